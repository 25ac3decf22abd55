package dev.glint.engine.text.tokenizer;

import java.util.Arrays;

/** A growable byte buffer. */
final class ByteSink {
    private byte[] bytes = new byte[64];
    private int length;

    void put(byte[] more) {
        if (length + more.length > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, length + more.length));
        }
        System.arraycopy(more, 0, bytes, length, more.length);
        length += more.length;
    }

    int length() {
        return length;
    }

    /** The buffer itself, valid up to {@link #length()}. */
    byte[] array() {
        return bytes;
    }

    /** Drops the first {@code count} bytes. */
    void discard(int count) {
        System.arraycopy(bytes, count, bytes, 0, length - count);
        length -= count;
    }
}
