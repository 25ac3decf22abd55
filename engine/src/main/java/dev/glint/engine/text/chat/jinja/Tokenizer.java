package dev.glint.engine.text.chat.jinja;

import java.util.ArrayList;
import java.util.List;

/** Splits the inside of one tag into Jinja expression tokens. */
final class Tokenizer {
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", "<=", ">=",
        "+", "-", "*", "/", "%", "~", "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}", ";"
    };

    private final String text;
    private int pos;
    private int line;

    private Tokenizer(String text, int line) {
        this.text = text;
        this.line = line;
    }

    static List<Token> tokenize(String text, int line) {
        return new Tokenizer(text, line).run();
    }

    private List<Token> run() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            skipWhitespace();
            if (pos >= text.length()) {
                tokens.add(new Token(Token.Kind.END, "", line));
                return tokens;
            }
            char c = text.charAt(pos);
            if (c == '\'' || c == '"') {
                tokens.add(new Token(Token.Kind.STRING, string(c), line));
            } else if (Character.isDigit(c)) {
                tokens.add(number());
            } else if (c == '_' || Character.isLetter(c)) {
                int start = pos;
                while (pos < text.length() && (text.charAt(pos) == '_' || Character.isLetterOrDigit(text.charAt(pos)))) {
                    pos++;
                }
                tokens.add(new Token(Token.Kind.NAME, text.substring(start, pos), line));
            } else {
                tokens.add(operator());
            }
        }
    }

    private void skipWhitespace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            if (text.charAt(pos) == '\n') {
                line++;
            }
            pos++;
        }
    }

    private Token operator() {
        for (String op : OPERATORS) {
            if (text.startsWith(op, pos)) {
                pos += op.length();
                return new Token(Token.Kind.OPERATOR, op, line);
            }
        }
        throw new TemplateSyntaxException("unexpected character '" + text.charAt(pos) + "'", line);
    }

    private Token number() {
        int start = pos;
        digits();
        boolean isFloat = false;
        if (pos + 1 < text.length() && text.charAt(pos) == '.' && Character.isDigit(text.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            digits();
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            int mark = pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                isFloat = true;
                digits();
            } else {
                pos = mark;
            }
        }
        String literal = text.substring(start, pos).replace("_", "");
        return new Token(isFloat ? Token.Kind.FLOAT : Token.Kind.INTEGER, literal, line);
    }

    private void digits() {
        while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
    }

    /** A quoted string literal, unescaped the way Python's unicode-escape codec does it (as Jinja2 does). */
    private String string(char quote) {
        int startLine = line;
        StringBuilder out = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= text.length()) {
                throw new TemplateSyntaxException("unterminated string literal", startLine);
            }
            char c = text.charAt(pos++);
            if (c == quote) {
                return out.toString();
            }
            if (c == '\n') {
                line++;
            }
            if (c != '\\' || pos >= text.length()) {
                out.append(c);
                continue;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                case 'a' -> out.append('\u0007');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int start = pos - 1;
                    while (pos < text.length() && pos - start < 3 && text.charAt(pos) >= '0' && text.charAt(pos) <= '7') {
                        pos++;
                    }
                    out.append((char) Integer.parseInt(text.substring(start, pos), 8));
                }
                case 'x' -> out.appendCodePoint(hex(2));
                case 'u' -> out.appendCodePoint(hex(4));
                case 'U' -> out.appendCodePoint(hex(8));
                case '\\', '\'', '"' -> out.append(e);
                case '\n' -> line++;
                default -> out.append('\\').append(e);
            }
        }
    }

    private int hex(int digits) {
        if (pos + digits > text.length()) {
            throw new TemplateSyntaxException("truncated \\x, \\u or \\U escape in a string literal", line);
        }
        try {
            int value = Integer.parseUnsignedInt(text.substring(pos, pos + digits), 16);
            pos += digits;
            return value;
        } catch (NumberFormatException e) {
            throw new TemplateSyntaxException("bad hex escape in a string literal", line);
        }
    }
}
