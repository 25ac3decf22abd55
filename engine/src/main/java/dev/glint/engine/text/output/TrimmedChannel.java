package dev.glint.engine.text.output;

/**
 * Passes one channel's text (content or reasoning) through with leading and trailing whitespace removed, the
 * inverse of the template, which writes {@code content.strip()} and {@code reasoning_content.strip()} between
 * its newlines. Trailing whitespace is held until more text shows it was inner whitespace, so streamed and
 * one-shot results agree.
 */
final class TrimmedChannel {
    private final StringBuilder heldWhitespace = new StringBuilder();
    private boolean started;

    /** The text that can be emitted now, possibly empty. */
    String accept(String text) {
        int start = 0;
        if (!started) {
            while (start < text.length() && isSpace(text.charAt(start))) {
                start++;
            }
            if (start == text.length()) {
                return "";
            }
            started = true;
        }
        int end = text.length();
        while (end > start && isSpace(text.charAt(end - 1))) {
            end--;
        }
        if (end == start) {
            heldWhitespace.append(text, start, text.length());
            return "";
        }
        String out = heldWhitespace + text.substring(start, end);
        heldWhitespace.setLength(0);
        heldWhitespace.append(text, end, text.length());
        return out;
    }

    /** Python's {@code str.isspace}, so trimming matches the template's {@code strip()}. */
    static boolean isSpace(char c) {
        return switch (c) {
            case ' ', '\t', '\n', 0x0b, '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f,
                 0x205f, 0x3000 -> true;
            default -> c >= 0x2000 && c <= 0x200a;
        };
    }
}
