package dev.glint.engine.text.chat.jinja;

/** One token of an expression or statement inside a tag. */
record Token(Kind kind, String text, int line) {
    enum Kind { NAME, STRING, INTEGER, FLOAT, OPERATOR, END }

    boolean is(Kind expected, String value) {
        return kind == expected && text.equals(value);
    }

    boolean isOperator(String value) {
        return is(Kind.OPERATOR, value);
    }

    boolean isName(String value) {
        return is(Kind.NAME, value);
    }

    @Override
    public String toString() {
        return kind == Kind.END ? "end of tag" : "'" + text + "'";
    }
}
