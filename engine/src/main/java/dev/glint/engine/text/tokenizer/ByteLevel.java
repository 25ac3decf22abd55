package dev.glint.engine.text.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's reversible byte ↔ character mapping: printable Latin-1 bytes stand for themselves, the others are shifted
 * to U+0100 and up, so any byte string becomes a string of visible characters that BPE can work on.
 */
final class ByteLevel {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[512];

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

    static String encode(byte[] utf8) {
        char[] chars = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            chars[i] = CHAR_OF_BYTE[utf8[i] & 0xFF];
        }
        return new String(chars);
    }

    /** The bytes a byte-level token string stands for; characters outside the mapping are kept as their UTF-8. */
    static void decode(String token, ByteSink out) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
            if (b >= 0) {
                out.put((byte) b);
            } else {
                out.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** A growable byte buffer. */
    static final class ByteSink {
        private byte[] bytes = new byte[64];
        private int length;

        void put(byte b) {
            if (length == bytes.length) {
                bytes = Arrays.copyOf(bytes, 2 * length);
            }
            bytes[length++] = b;
        }

        void put(byte[] more) {
            for (byte b : more) {
                put(b);
            }
        }

        int length() {
            return length;
        }

        byte[] take(int count) {
            byte[] head = Arrays.copyOf(bytes, count);
            System.arraycopy(bytes, count, bytes, 0, length - count);
            length -= count;
            return head;
        }

        byte[] toArray() {
            return Arrays.copyOf(bytes, length);
        }

        byte at(int i) {
            return bytes[i];
        }
    }
}
