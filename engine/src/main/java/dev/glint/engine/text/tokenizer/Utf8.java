package dev.glint.engine.text.tokenizer;

/**
 * UTF-8 decoding that is lossy exactly as Rust's {@code String::from_utf8_lossy}, and so Hugging Face's decoders:
 * each maximal subpart of an ill-formed sequence becomes one U+FFFD. (Java's decoder differs on encoded surrogates,
 * giving one U+FFFD for {@code ED A0 80} where Rust gives three.)
 */
final class Utf8 {
    private Utf8() {
    }

    static String decode(byte[] bytes, int length) {
        StringBuilder text = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int lead = bytes[i] & 0xFF;
            int size = sequenceLength(lead);
            if (size <= 1) {
                text.append(size == 1 ? (char) lead : '\uFFFD');
                i++;
                continue;
            }
            int cp = lead & (0x7F >> size);
            int j = i + 1;
            while (j < i + size && j < length && continues(lead, j - i, bytes[j] & 0xFF)) {
                cp = cp << 6 | bytes[j] & 0x3F;
                j++;
            }
            if (j == i + size) {
                text.appendCodePoint(cp);
            } else {
                text.append('\uFFFD');
            }
            i = j;
        }
        return text.toString();
    }

    /**
     * How many bytes at the end of {@code bytes[0, length)} begin a character that more bytes could still complete;
     * cutting there never changes what {@link #decode} makes of the whole.
     */
    static int incompleteTail(byte[] bytes, int length) {
        for (int back = 1; back <= Math.min(3, length); back++) {
            int b = bytes[length - back] & 0xFF;
            if (b >= 0x80 && b < 0xC0) {
                continue;
            }
            if (sequenceLength(b) <= back) {
                return 0;
            }
            for (int k = 1; k < back; k++) {
                if (!continues(b, k, bytes[length - back + k] & 0xFF)) {
                    return 0;
                }
            }
            return back;
        }
        return 0;
    }

    /** Bytes in the character that {@code lead} starts: 1 to 4, or 0 when it cannot start one. */
    private static int sequenceLength(int lead) {
        if (lead < 0x80) {
            return 1;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        return lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
    }

    /** Whether {@code b} can be byte {@code index} of a character starting with {@code lead} (no overlongs, surrogates or values past U+10FFFF). */
    private static boolean continues(int lead, int index, int b) {
        if (index == 1) {
            return switch (lead) {
                case 0xE0 -> b >= 0xA0 && b <= 0xBF;
                case 0xED -> b >= 0x80 && b <= 0x9F;
                case 0xF0 -> b >= 0x90 && b <= 0xBF;
                case 0xF4 -> b >= 0x80 && b <= 0x8F;
                default -> b >= 0x80 && b <= 0xBF;
            };
        }
        return b >= 0x80 && b <= 0xBF;
    }
}
