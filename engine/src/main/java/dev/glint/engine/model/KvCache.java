package dev.glint.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keys (after RoPE) and values of one sequence, F32, contiguous per layer, off-heap. Position {@code p} of layer
 * {@code l} holds {@code kvDim} floats at float index {@code p * kvDim}.
 */
public final class KvCache implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] keys;
    private final MemorySegment[] values;
    private final int kvDim;
    private final int capacity;
    private int length;

    public KvCache(Glm4MoeConfig config, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("a KV cache needs room for at least one position, got " + capacity);
        }
        this.kvDim = config.kvDim();
        this.capacity = capacity;
        int layers = config.numHiddenLayers();
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        long bytes = 4L * capacity * kvDim;
        for (int l = 0; l < layers; l++) {
            keys[l] = arena.allocate(bytes, 64);
            values[l] = arena.allocate(bytes, 64);
        }
    }

    /** Bytes one position takes across all layers. */
    public static long bytesPerToken(Glm4MoeConfig config) {
        return 2L * 4 * config.kvDim() * config.numHiddenLayers();
    }

    /** Bytes this cache holds off-heap. */
    public long bytes() {
        return 2L * 4 * capacity * kvDim * keys.length;
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public MemorySegment keys(int layer) {
        return keys[layer];
    }

    public MemorySegment values(int layer) {
        return values[layer];
    }

    void store(int layer, int position, float[] k, int kOff, float[] v, int vOff) {
        long at = 4L * position * kvDim;
        MemorySegment.copy(k, kOff, keys[layer], ValueLayout.JAVA_FLOAT, at, kvDim);
        MemorySegment.copy(v, vOff, values[layer], ValueLayout.JAVA_FLOAT, at, kvDim);
    }

    /** Checks that {@code count} more positions fit, before any of them is computed. */
    void reserve(int count) {
        if ((long) length + count > capacity) {
            throw new IllegalStateException("the sequence would reach " + ((long) length + count)
                    + " tokens, more than the context of " + capacity + " tokens");
        }
    }

    void advance(int count) {
        length += count;
    }

    /** Forgets positions from {@code newLength} on, so a sequence can be rolled back or reused. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a cache of " + length + " positions to " + newLength);
        }
        length = newLength;
    }

    @Override
    public void close() {
        arena.close();
    }
}
