package dev.glint.engine.text.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's reversible byte/character mapping: printable Latin-1 bytes stand for themselves, the others are shifted to
 * U+0100 and up, so any byte string becomes a string of visible characters that BPE can work on.
 */
final class ByteLevel {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[0x144];

    static {
        Arrays.fill(BYTE_OF_CHAR, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The character that stands for {@code b}. */
    static char charOf(int b) {
        return CHAR_OF_BYTE[b];
    }

    /** {@code text}'s UTF-8 bytes, one character each. */
    static String encode(String text) {
        char[] out = new char[3 * text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[n++] = CHAR_OF_BYTE[c];
            } else if (c < 0x800) {
                out[n++] = CHAR_OF_BYTE[0xC0 | c >> 6];
                out[n++] = CHAR_OF_BYTE[0x80 | c & 0x3F];
            } else if (!Character.isSurrogate(c)) {
                out[n++] = CHAR_OF_BYTE[0xE0 | c >> 12];
                out[n++] = CHAR_OF_BYTE[0x80 | c >> 6 & 0x3F];
                out[n++] = CHAR_OF_BYTE[0x80 | c & 0x3F];
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                out[n++] = CHAR_OF_BYTE[0xF0 | cp >> 18];
                out[n++] = CHAR_OF_BYTE[0x80 | cp >> 12 & 0x3F];
                out[n++] = CHAR_OF_BYTE[0x80 | cp >> 6 & 0x3F];
                out[n++] = CHAR_OF_BYTE[0x80 | cp & 0x3F];
            } else {
                throw new TokenizerException(String.format("the text holds an unpaired surrogate U+%04X, which is not Unicode text", (int) c));
            }
        }
        return new String(out, 0, n);
    }

    /**
     * The bytes a token stands for, as Hugging Face's ByteLevel decoder gives them: when every character of the token
     * maps to a byte, those bytes; otherwise (added tokens such as {@code <｜User｜>}) the token's own UTF-8.
     */
    static byte[] bytesOf(String token) {
        byte[] bytes = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
            if (b < 0) {
                return token.getBytes(StandardCharsets.UTF_8);
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }
}
