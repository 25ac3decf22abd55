package dev.glint.engine.text.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts template source into text and tags, applying whitespace control exactly as Jinja2 does with the
 * options Hugging Face renders chat templates with: {@code trim_blocks} (drop the first newline after a block
 * or comment tag), {@code lstrip_blocks} (drop spaces before a block or comment tag that starts a line),
 * {@code -} and {@code +} markers, newline normalisation and one trailing newline removed
 * ({@code keep_trailing_newline=False}).
 */
final class TemplateLexer {
    private static final Pattern END_RAW = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");

    private final String source;
    private final List<Segment> segments = new ArrayList<>();
    private int pos;
    private int line = 1;
    private int lineCountedTo;
    private boolean lineStart = true;

    private TemplateLexer(String source) {
        this.source = source;
    }

    static List<Segment> lex(String template) {
        String source = template.replace("\r\n", "\n").replace('\r', '\n');
        if (source.endsWith("\n")) {
            source = source.substring(0, source.length() - 1);
        }
        TemplateLexer lexer = new TemplateLexer(source);
        lexer.run();
        return lexer.segments;
    }

    private void run() {
        while (pos < source.length()) {
            int open = nextTagStart(pos);
            String text = source.substring(pos, open < 0 ? source.length() : open);
            if (open < 0) {
                addText(text, pos);
                return;
            }
            char kind = source.charAt(open + 1);
            char control = open + 2 < source.length() ? source.charAt(open + 2) : ' ';
            if (control == '-') {
                text = PyStrings.rstrip(text, null);
            } else if (control != '+' && kind != '{') {
                text = lstripBlock(text);
            }
            addText(text, pos);
            int bodyStart = open + 2 + (control == '-' || control == '+' ? 1 : 0);
            int tagLine = lineAt(open);
            switch (kind) {
                case '#' -> comment(bodyStart, tagLine);
                case '%' -> statement(bodyStart, tagLine);
                default -> output(bodyStart, tagLine);
            }
        }
    }

    private int nextTagStart(int from) {
        for (int i = source.indexOf('{', from); i >= 0 && i + 1 < source.length(); i = source.indexOf('{', i + 1)) {
            char next = source.charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
        }
        return -1;
    }

    /** lstrip_blocks: whitespace between the start of a line and a block tag belongs to neither. */
    private String lstripBlock(String text) {
        int lineBegin = text.lastIndexOf('\n') + 1;
        if ((lineBegin > 0 || lineStart) && lineBegin < text.length() && PyStrings.isBlank(text, lineBegin)) {
            return text.substring(0, lineBegin);
        }
        return text;
    }

    private void addText(String text, int at) {
        if (!text.isEmpty()) {
            segments.add(new Segment.Text(text, lineAt(at)));
        }
    }

    private void comment(int bodyStart, int tagLine) {
        int close = source.indexOf("#}", bodyStart);
        if (close < 0) {
            throw new TemplateSyntaxException("comment not closed with '#}'", tagLine);
        }
        finishTag(close, 2, true);
    }

    private void output(int bodyStart, int tagLine) {
        int close = tagEnd(bodyStart, "}}", tagLine);
        segments.add(new Segment.Output(Tokenizer.tokenize(body(bodyStart, close), tagLine), tagLine));
        finishTag(close, 2, false);
    }

    private void statement(int bodyStart, int tagLine) {
        int close = tagEnd(bodyStart, "%}", tagLine);
        List<Token> tokens = Tokenizer.tokenize(body(bodyStart, close), tagLine);
        finishTag(close, 2, true);
        if (tokens.getFirst().isName("raw") && tokens.size() == 2) {
            raw(tagLine);
        } else {
            segments.add(new Segment.Statement(tokens, tagLine));
        }
    }

    private void raw(int tagLine) {
        Matcher end = END_RAW.matcher(source);
        if (!end.find(pos)) {
            throw new TemplateSyntaxException("{% raw %} not closed with {% endraw %}", tagLine);
        }
        String text = source.substring(pos, end.start());
        addText(end.group(1).equals("-") ? PyStrings.rstrip(text, null) : text, pos);
        finishTag(end.end() - 2, 2, true);
    }

    private String body(int bodyStart, int close) {
        char before = source.charAt(close - 1);
        boolean marked = close > bodyStart && (before == '-' || before == '+');
        return source.substring(bodyStart, marked ? close - 1 : close);
    }

    /** Moves past a tag's closing delimiter, applying its {@code -}, {@code +} or trim_blocks rule. */
    private void finishTag(int close, int delimiterLength, boolean block) {
        char control = close > 0 ? source.charAt(close - 1) : ' ';
        pos = close + delimiterLength;
        if (control == '-') {
            int start = pos;
            while (pos < source.length() && PyStrings.isSpace(source.charAt(pos))) {
                pos++;
            }
            lineStart = pos > start && source.charAt(pos - 1) == '\n';
        } else if (control != '+' && block && pos < source.length() && source.charAt(pos) == '\n') {
            pos++;
            lineStart = true;
        } else {
            lineStart = false;
        }
    }

    /** The index of the closing delimiter, skipping string literals and bracketed literals such as dicts. */
    private int tagEnd(int from, String delimiter, int tagLine) {
        int depth = 0;
        for (int i = from; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(i, tagLine);
            } else if (depth == 0 && source.startsWith(delimiter, i)) {
                return i;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        throw new TemplateSyntaxException("tag not closed with '" + delimiter + "'", tagLine);
    }

    private int stringEnd(int open, int tagLine) {
        char quote = source.charAt(open);
        for (int i = open + 1; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        throw new TemplateSyntaxException("unterminated string literal", tagLine);
    }

    private int lineAt(int index) {
        for (; lineCountedTo < index && lineCountedTo < source.length(); lineCountedTo++) {
            if (source.charAt(lineCountedTo) == '\n') {
                line++;
            }
        }
        return line;
    }
}
