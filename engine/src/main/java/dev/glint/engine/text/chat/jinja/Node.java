package dev.glint.engine.text.chat.jinja;

import java.util.List;

/** Template statements and literal text. */
sealed interface Node {
    record Text(String text) implements Node { }

    record Print(Expr value, int line) implements Node { }

    /** {@code if}/{@code elif} branches in order, then the {@code else} body (possibly empty). */
    record If(List<Expr> tests, List<List<Node>> bodies, List<Node> otherwise) implements Node { }

    record For(List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise, int line)
            implements Node { }

    /** {@code set target = value}; the target is a name, a namespace attribute or a tuple of names. */
    record Set(Expr target, Expr value, int line) implements Node { }

    /** {@code set name}...{@code endset}: the rendered body becomes the value. */
    record SetBlock(String name, List<Node> body, int line) implements Node { }

    record MacroDefinition(String name, List<String> parameters, List<Expr> defaults, List<Node> body, int line)
            implements Node { }

    record Break() implements Node { }

    record Continue() implements Node { }
}
