package dev.glint.engine.text.tokenizer;

import java.util.Arrays;

/**
 * BPE merge rules by their pair of token ids, each giving its rank (lower merges first) and the merged token's id. An
 * open-addressing table of primitive longs, because BPE looks pairs up in its innermost loop.
 */
final class MergeTable {
    static final long NONE = -1;

    private final long[] keys;
    private final long[] values;
    private final int shift;

    MergeTable(int expectedSize) {
        int bits = Math.max(4, 64 - Long.numberOfLeadingZeros(2L * expectedSize));
        keys = new long[1 << bits];
        values = new long[1 << bits];
        Arrays.fill(keys, NONE);
        shift = 64 - bits;
    }

    static int rank(long merge) {
        return (int) (merge >>> 32);
    }

    static int mergedId(long merge) {
        return (int) merge;
    }

    /** Adds or replaces the rule for {@code left, right} (a later duplicate wins, as in Hugging Face's map). */
    void put(int left, int right, int rank, int mergedId) {
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != NONE && keys[slot] != key) {
            slot = (slot + 1) & (keys.length - 1);
        }
        keys[slot] = key;
        values[slot] = (long) rank << 32 | mergedId;
    }

    /** The rule for {@code left, right} (see {@link #rank}, {@link #mergedId}), or {@link #NONE}. */
    long get(int left, int right) {
        long key = key(left, right);
        for (int slot = slot(key); keys[slot] != NONE; slot = (slot + 1) & (keys.length - 1)) {
            if (keys[slot] == key) {
                return values[slot];
            }
        }
        return NONE;
    }

    private static long key(int left, int right) {
        return (long) left << 32 | right;
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }
}
