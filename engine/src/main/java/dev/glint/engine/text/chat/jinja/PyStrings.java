package dev.glint.engine.text.chat.jinja;

import java.util.ArrayList;
import java.util.List;

/** Python {@code str} behaviour that Java's String does differently: whitespace, strip, split, case, indexing. */
final class PyStrings {
    private PyStrings() {
    }

    /** Python's {@code str.isspace()} for one code point. */
    static boolean isSpace(int cp) {
        return switch (cp) {
            case ' ', '\t', '\n', 0x0b, '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f,
                 0x205f, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200a;
        };
    }

    static boolean isBlank(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.codePoints().anyMatch(c -> c == cp);
    }

    static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && stripped(s.codePointAt(i), chars)) {
            i += Character.charCount(s.codePointAt(i));
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0 && stripped(s.codePointBefore(end), chars)) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(0, end);
    }

    /** {@code str.split(sep, maxsplit)}; a null separator splits on whitespace runs and drops empty parts. */
    static List<Object> split(String s, String sep, long maxSplit) {
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= s.length()) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(rstrip(s.substring(i), null));
                    return parts;
                }
                int start = i;
                while (i < s.length() && !isSpace(s.charAt(i))) {
                    i++;
                }
                parts.add(s.substring(start, i));
            }
        }
        checkSeparator(sep);
        int start = 0;
        for (int at = s.indexOf(sep); at >= 0 && (maxSplit < 0 || parts.size() < maxSplit); at = s.indexOf(sep, start)) {
            parts.add(s.substring(start, at));
            start = at + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    static List<Object> rsplit(String s, String sep, long maxSplit) {
        if (maxSplit < 0) {
            return split(s, sep, -1);
        }
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = s.length();
            while (true) {
                while (i > 0 && isSpace(s.charAt(i - 1))) {
                    i--;
                }
                if (i == 0) {
                    return parts;
                }
                if (parts.size() == maxSplit) {
                    parts.addFirst(lstrip(s.substring(0, i), null));
                    return parts;
                }
                int end = i;
                while (i > 0 && !isSpace(s.charAt(i - 1))) {
                    i--;
                }
                parts.addFirst(s.substring(i, end));
            }
        }
        checkSeparator(sep);
        int end = s.length();
        for (int at = s.lastIndexOf(sep, end - sep.length()); at >= 0 && parts.size() < maxSplit;
             at = s.lastIndexOf(sep, end - sep.length())) {
            parts.addFirst(s.substring(at + sep.length(), end));
            end = at;
        }
        parts.addFirst(s.substring(0, end));
        return parts;
    }

    private static void checkSeparator(String sep) {
        if (sep.isEmpty()) {
            throw new TemplateException("empty separator", 0);
        }
    }

    static String title(String s) {
        StringBuilder out = new StringBuilder();
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            out.appendCodePoint(previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            previousCased = Character.isLetter(cp);
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(Character.charCount(first)).toLowerCase()).toString();
    }

    /** The code points of a string, one string each, as Python iterates a {@code str}. */
    static List<Object> characters(String s) {
        List<Object> out = new ArrayList<>();
        s.codePoints().forEach(cp -> out.add(Character.toString(cp)));
        return out;
    }

    /** Code-point order, which is Python's; Java's compareTo orders by UTF-16 units. */
    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** The UTF-16 offset of a Python (code point) index, clamped to the string. */
    static int offset(String s, long codePointIndex) {
        int count = s.codePointCount(0, s.length());
        long clamped = Math.max(0, Math.min(count, codePointIndex));
        return s.offsetByCodePoints(0, (int) clamped);
    }
}
