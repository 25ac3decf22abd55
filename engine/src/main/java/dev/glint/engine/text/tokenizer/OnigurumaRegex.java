package dev.glint.engine.text.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tokenizer.json regex, written for the Oniguruma engine that Hugging Face's tokenizers run, as a
 * {@code java.util.regex} pattern matching the same text. With Unicode character classes {@code \s} is White_Space
 * (U+0085, U+00A0, U+2028, U+3000 included; U+180E and U+200B not), {@code \p{L}}/{@code \p{N}} are whole categories and
 * {@code (?i)} folds Unicode case, as in Oniguruma; the dot and the line anchors know only {@code \n}. Where the two
 * syntaxes differ the pattern is rewritten: Oniguruma's {@code \h} is a hex digit, {@code \v} the vertical tab,
 * {@code \w} a letter, mark, number or connector punctuation, and {@code (?m)} lets the dot match a newline.
 */
final class OnigurumaRegex {
    private static final String WORD = "\\p{Alpha}\\p{M}\\p{N}\\p{Pc}";
    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.MULTILINE | Pattern.UNIX_LINES;

    private final Pattern pattern;

    private OnigurumaRegex(Pattern pattern) {
        this.pattern = pattern;
    }

    /** @throws java.util.regex.PatternSyntaxException when the pattern is not valid */
    static OnigurumaRegex compile(String regex) {
        return new OnigurumaRegex(Pattern.compile(toJava(regex), FLAGS));
    }

    /** A Split {@code String} pattern: the text itself; an empty one matches nothing, as in Hugging Face. */
    static OnigurumaRegex literal(String text) {
        return new OnigurumaRegex(Pattern.compile(text.isEmpty() ? "(?!)" : Pattern.quote(text), FLAGS));
    }

    static String toJava(String regex) {
        StringBuilder java = new StringBuilder(regex.length() + 16);
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char escaped = regex.charAt(++i);
                switch (escaped) {
                    case 'h' -> java.append("[0-9a-fA-F]");
                    case 'H' -> java.append("[^0-9a-fA-F]");
                    case 'v' -> java.append("\\x0B");
                    case 'w' -> java.append('[').append(WORD).append(']');
                    case 'W' -> java.append("[^").append(WORD).append(']');
                    default -> java.append(c).append(escaped);
                }
            } else if (c == '(' && regex.startsWith("(?", i)) {
                int end = i + 2;
                while (end < regex.length() && "imx-".indexOf(regex.charAt(end)) >= 0) {
                    end++;
                }
                boolean flagGroup = end > i + 2 && end < regex.length() && (regex.charAt(end) == ':' || regex.charAt(end) == ')');
                java.append(flagGroup ? "(?" + regex.substring(i + 2, end).replace('m', 's') : "(?");
                i = flagGroup ? end - 1 : i + 1;
            } else {
                java.append(c);
            }
        }
        return java.toString();
    }

    /**
     * The matches in {@code text} and the stretches between them, covering it in order, as Hugging Face's
     * {@code find_matches}; {@code invert} flips which are matches. An empty match right where the previous match ended
     * is skipped, as Oniguruma's iterator does (Java's would report it).
     */
    Spans find(String text, boolean invert) {
        Spans spans = new Spans();
        if (text.isEmpty()) {
            spans.add(0, 0, invert);
            return spans;
        }
        Matcher matcher = pattern.matcher(text);
        int covered = 0;
        int lastMatchEnd = -1;
        int from = 0;
        while (matcher.find(from)) {
            int start = matcher.start();
            int end = matcher.end();
            if (start == end && start == lastMatchEnd) {
                if (start == text.length()) {
                    break;
                }
                from = start + Character.charCount(text.codePointAt(start));
                continue;
            }
            if (start > covered) {
                spans.add(covered, start, invert);
            }
            spans.add(start, end, !invert);
            covered = end;
            lastMatchEnd = end;
            from = end;
        }
        if (covered < text.length()) {
            spans.add(covered, text.length(), invert);
        }
        return spans;
    }
}
