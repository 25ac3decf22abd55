package dev.glint.engine.text.tokenizer;

import java.util.List;

/** tokenizer.json's {@code Split}: a pattern, what to do with its matches, and whether to invert which stretches match. */
record SplitPreTokenizer(OnigurumaRegex pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {
    @Override
    public void split(String piece, List<String> out) {
        behavior.split(piece, pattern.find(piece, invert), out);
    }
}
