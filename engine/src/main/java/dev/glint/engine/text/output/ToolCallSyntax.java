package dev.glint.engine.text.output;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads GLM-4.5 tool-call markup after {@code <tool_call>}:
 * {@code name <arg_key>k</arg_key> <arg_value>v</arg_value> ... </tool_call>}, where each blank may be any
 * whitespace, including none (GLM writes newlines; spaces and zero-argument calls are seen in the wild).
 *
 * <p>The scan decides at the earliest character it can, and only from the text before it: a text that is
 * {@link Incomplete} is a prefix of some valid call, one that is {@link Malformed} is no prefix of any, and a
 * {@link Complete} call ends at its first legal {@code </tool_call>}. That is what makes streamed parsing give
 * the same result as parsing the whole output at once.
 */
final class ToolCallSyntax {
    static final String OPEN = "<tool_call>";
    private static final String CLOSE = "</tool_call>";
    private static final String KEY = "<arg_key>";
    private static final String KEY_END = "</arg_key>";
    private static final String VALUE = "<arg_value>";
    private static final String VALUE_END = "</arg_value>";

    sealed interface Scan { }

    /** A whole call; {@code length} characters of the scanned text belong to it, {@code </tool_call>} included. */
    record Complete(String name, List<RawArgument> arguments, int length) implements Scan { }

    record Incomplete() implements Scan { }

    record Malformed() implements Scan { }

    /** An argument as written: the key trimmed, the value verbatim. */
    record RawArgument(String key, String value) { }

    private enum Match { FULL, PARTIAL, NONE }

    private ToolCallSyntax() {
    }

    static Scan scan(String s) {
        int i = skipSpace(s, 0);
        int nameStart = i;
        while (i < s.length() && !TrimmedChannel.isSpace(s.charAt(i)) && s.charAt(i) != '<') {
            i++;
        }
        String name = s.substring(nameStart, i);
        i = skipSpace(s, i);
        if (i == s.length()) {
            return new Incomplete();
        }
        if (name.isEmpty() || s.charAt(i) != '<') {
            return new Malformed();
        }
        List<RawArgument> arguments = new ArrayList<>();
        while (true) {
            Match close = match(s, i, CLOSE);
            if (close == Match.FULL) {
                return new Complete(name, arguments, i + CLOSE.length());
            }
            Match key = match(s, i, KEY);
            if (key != Match.FULL) {
                return close == Match.PARTIAL || key == Match.PARTIAL ? new Incomplete() : new Malformed();
            }
            int keyStart = i + KEY.length();
            int keyEnd = keyStart;
            while (keyEnd < s.length() && s.charAt(keyEnd) != '<') {
                keyEnd++;
            }
            Scan partial = expect(s, keyEnd, KEY_END);
            if (partial != null) {
                return partial;
            }
            String keyText = s.substring(keyStart, keyEnd).strip();
            if (keyText.isEmpty()) {
                return new Malformed();
            }
            i = skipSpace(s, keyEnd + KEY_END.length());
            partial = expect(s, i, VALUE);
            if (partial != null) {
                return partial;
            }
            int valueStart = i + VALUE.length();
            int valueEnd = s.indexOf(VALUE_END, valueStart);
            if (valueEnd < 0) {
                return new Incomplete();
            }
            arguments.add(new RawArgument(keyText, s.substring(valueStart, valueEnd)));
            i = skipSpace(s, valueEnd + VALUE_END.length());
            if (i == s.length()) {
                return new Incomplete();
            }
            if (s.charAt(i) != '<') {
                return new Malformed();
            }
        }
    }

    /** Null when {@code literal} is at {@code i}; otherwise the verdict for the text so far. */
    private static Scan expect(String s, int i, String literal) {
        return switch (match(s, i, literal)) {
            case FULL -> null;
            case PARTIAL -> new Incomplete();
            case NONE -> new Malformed();
        };
    }

    private static Match match(String s, int i, String literal) {
        int n = Math.min(literal.length(), s.length() - i);
        if (!s.regionMatches(i, literal, 0, n)) {
            return Match.NONE;
        }
        return n == literal.length() ? Match.FULL : Match.PARTIAL;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && TrimmedChannel.isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
