package dev.glint.engine.text.chat.jinja;

import java.util.List;

/** A piece of template source after whitespace control: literal text, an output tag or a statement tag. */
sealed interface Segment {
    int line();

    record Text(String text, int line) implements Segment { }

    record Output(List<Token> tokens, int line) implements Segment { }

    record Statement(List<Token> tokens, int line) implements Segment {
        String keyword() {
            return tokens.getFirst().kind() == Token.Kind.NAME ? tokens.getFirst().text() : "";
        }
    }
}
