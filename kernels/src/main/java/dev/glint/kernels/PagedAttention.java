package dev.glint.kernels;

/**
 * Decode-time attention of the {@code groupHeads} query heads that share one KV head (GQA) over a paged cache, in one
 * pass with an online softmax: {@code out_h = softmax(scale · q_h · Kᵀ) · V} without ever holding a score per position.
 * Positions go in tiles of {@link #TILE}: each key row of a tile is decoded once and scored against every head, the
 * running maximum moves (rescaling the accumulators) at most once per tile, then each value row is decoded once and
 * added with every head's weight. Query head {@code h} is {@code q[qOff + h · headDim, +headDim)}.
 */
public final class PagedAttention {
    /** Positions scored before their values are added: the weights of a tile stay in L1. */
    static final int TILE = 32;

    private PagedAttention() {
    }

    /** The attention output of positions {@code [from, to)} into {@code out[outOff + h · headDim]}; {@code state} is scratch. */
    public static void attend(PagedKv kv, int from, int to, float[] q, int qOff, float scale, AttentionState state,
                              float[] out, int outOff) {
        state.clear();
        accumulate(kv, from, to, q, qOff, scale, state);
        state.finish(out, outOff);
    }

    public static void attendScalar(PagedKv kv, int from, int to, float[] q, int qOff, float scale, AttentionState state,
                                    float[] out, int outOff) {
        state.clear();
        accumulateScalar(kv, from, to, q, qOff, scale, state);
        state.finish(out, outOff);
    }

    /** Adds positions {@code [from, to)} to {@code state} (cleared, or holding a range disjoint from this one). */
    public static void accumulate(PagedKv kv, int from, int to, float[] q, int qOff, float scale, AttentionState state) {
        check(kv, from, to, q, qOff, state);
        int heads = state.groupHeads;
        int headDim = state.headDim;
        float[] weights = state.weights;
        for (int tileStart = from; tileStart < to; tileStart += TILE) {
            int count = Math.min(TILE, to - tileStart);
            for (int j = 0; j < count; j++) {
                kv.type().load(kv.keys(), kv.rowOffset(tileStart + j), headDim, state.keyRow, 0);
                for (int h = 0; h < heads; h++) {
                    weights[h * TILE + j] = Dots.dot(q, qOff + h * headDim, state.keyRow, 0, headDim) * scale;
                }
            }
            for (int h = 0; h < heads; h++) {
                exponentiate(state, h, count);
            }
            for (int j = 0; j < count; j++) {
                kv.type().load(kv.values(), kv.rowOffset(tileStart + j), headDim, state.valueRow, 0);
                for (int h = 0; h < heads; h++) {
                    VectorMath.axpy(weights[h * TILE + j], state.valueRow, 0, state.acc, h * headDim, headDim);
                }
            }
        }
    }

    /**
     * Turns head {@code h}'s {@code count} scores of a tile into weights {@code exp(s − m)} against the running maximum
     * {@code m}, first raising {@code m} to the tile's largest score and rescaling what came before.
     */
    private static void exponentiate(AttentionState state, int h, int count) {
        float[] weights = state.weights;
        int base = h * TILE;
        float tileMax = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < count; j++) {
            tileMax = Math.max(tileMax, weights[base + j]);
        }
        if (tileMax > state.max[h]) {
            state.rescale(h, (float) Math.exp(state.max[h] - tileMax));
            state.max[h] = tileMax;
        }
        float m = state.max[h];
        float sum = 0f;
        for (int j = 0; j < count; j++) {
            float w = (float) Math.exp(weights[base + j] - m);
            weights[base + j] = w;
            sum += w;
        }
        state.sum[h] += sum;
    }

    /** The plain online softmax, one position at a time, from the reference decoders. */
    public static void accumulateScalar(PagedKv kv, int from, int to, float[] q, int qOff, float scale,
                                        AttentionState state) {
        check(kv, from, to, q, qOff, state);
        int headDim = state.headDim;
        for (int p = from; p < to; p++) {
            long at = kv.rowOffset(p);
            kv.type().loadScalar(kv.keys(), at, headDim, state.keyRow, 0);
            kv.type().loadScalar(kv.values(), at, headDim, state.valueRow, 0);
            for (int h = 0; h < state.groupHeads; h++) {
                float score = Dots.dotScalar(q, qOff + h * headDim, state.keyRow, 0, headDim) * scale;
                if (score > state.max[h]) {
                    state.rescale(h, (float) Math.exp(state.max[h] - score));
                    state.max[h] = score;
                }
                float weight = (float) Math.exp(score - state.max[h]);
                state.sum[h] += weight;
                VectorMath.axpyScalar(weight, state.valueRow, 0, state.acc, h * headDim, headDim);
            }
        }
    }

    private static void check(PagedKv kv, int from, int to, float[] q, int qOff, AttentionState state) {
        if (state.headDim != kv.headDim()) {
            throw new IllegalArgumentException("attention state for head_dim " + state.headDim + " used with a KV cache of head_dim "
                    + kv.headDim());
        }
        if (from < 0 || from > to || to > kv.capacity()) {
            throw new IllegalArgumentException("positions [" + from + ", " + to + ") are outside the " + kv.capacity()
                    + " the block table covers");
        }
        if (qOff < 0 || qOff + (long) state.groupHeads * state.headDim > q.length) {
            throw new IllegalArgumentException(state.groupHeads + " query heads of " + state.headDim + " at " + qOff
                    + " do not fit a query of " + q.length + " floats");
        }
    }
}
