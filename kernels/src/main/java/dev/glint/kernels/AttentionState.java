package dev.glint.kernels;

import java.util.Arrays;

/**
 * The online-softmax state of {@code groupHeads} query heads attending over some of a sequence's positions: per head
 * the largest scaled score {@code m} seen, {@code sum = Σ exp(s − m)} and the unnormalised output
 * {@code acc = Σ exp(s − m) · v}. States of disjoint position ranges {@link #merge} into the state of their union, so
 * one long context can be split across threads. Holds the scratch rows the kernels decode into, so one state per
 * thread serves any number of calls without allocating.
 */
public final class AttentionState {
    final int groupHeads;
    final int headDim;
    final float[] max;
    final float[] sum;
    /** {@code [groupHeads][headDim]}. */
    final float[] acc;
    /** The scalar kernel's decoded rows. */
    final float[] keyRow;
    final float[] valueRow;
    /** {@code [PagedAttention.TILE][headDim]}: the SIMD kernel's decoded keys of a tile, then its values. */
    final float[] rows;
    /** {@code [groupHeads][PagedAttention.TILE]}: one tile's scores, then their weights. */
    final float[] weights;

    public AttentionState(int groupHeads, int headDim) {
        if (groupHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException("attention needs at least one head of at least one value, not "
                    + groupHeads + " heads of " + headDim);
        }
        this.groupHeads = groupHeads;
        this.headDim = headDim;
        max = new float[groupHeads];
        sum = new float[groupHeads];
        acc = new float[groupHeads * headDim];
        keyRow = new float[headDim];
        valueRow = new float[headDim];
        rows = new float[PagedAttention.TILE * headDim];
        weights = new float[groupHeads * PagedAttention.TILE];
        clear();
    }

    public int groupHeads() {
        return groupHeads;
    }

    public int headDim() {
        return headDim;
    }

    /** Forgets every position: the state of an empty range. */
    public void clear() {
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0f);
        Arrays.fill(acc, 0f);
    }

    /** Makes this the state of this range and {@code other}'s together (the ranges must not overlap). */
    public void merge(AttentionState other) {
        if (other.groupHeads != groupHeads || other.headDim != headDim) {
            throw new IllegalArgumentException("cannot merge the state of " + other.groupHeads + " heads of "
                    + other.headDim + " into one of " + groupHeads + " heads of " + headDim);
        }
        for (int h = 0; h < groupHeads; h++) {
            if (other.max[h] == Float.NEGATIVE_INFINITY) {
                continue;
            }
            float m = Math.max(max[h], other.max[h]);
            float mine = (float) Math.exp(max[h] - m);
            float theirs = (float) Math.exp(other.max[h] - m);
            max[h] = m;
            sum[h] = sum[h] * mine + other.sum[h] * theirs;
            for (int i = h * headDim; i < (h + 1) * headDim; i++) {
                acc[i] = acc[i] * mine + other.acc[i] * theirs;
            }
        }
    }

    /** {@code out[outOff + h · headDim + i] = acc / sum}: the attention output of each head. */
    public void finish(float[] out, int outOff) {
        for (int h = 0; h < groupHeads; h++) {
            if (sum[h] == 0f) {
                throw new IllegalStateException("attention over no positions has no output (head " + h + ")");
            }
            float inverse = 1f / sum[h];
            for (int i = 0; i < headDim; i++) {
                out[outOff + h * headDim + i] = acc[h * headDim + i] * inverse;
            }
        }
    }

    /** Multiplies head {@code h}'s sum and accumulator by {@code factor}, as a new running maximum requires. */
    void rescale(int h, float factor) {
        sum[h] *= factor;
        for (int i = h * headDim; i < (h + 1) * headDim; i++) {
            acc[i] *= factor;
        }
    }
}
