package dev.glint.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.LANES;

/**
 * Decode-time attention of the query heads that share one KV head (GQA) over a paged cache, in one pass with an online
 * softmax: {@code out_h = softmax(scale · q_h · Kᵀ) · V} without ever holding a score per position, so no array grows
 * with the context. The {@link AttentionState} fixes the number of heads and head_dim; query head {@code h} is
 * {@code q[qOff + h · headDim, +headDim)}. Positions go in tiles of {@link #TILE}: each key row of a tile is decoded
 * once and scored against every head, the running maximum moves (rescaling the accumulators) at most once per tile,
 * then each value row is decoded once and added with every head's weight.
 */
public final class PagedAttention {
    /**
     * Positions decoded, scored and weighed together: a tile of decoded rows ({@code TILE · headDim} floats, 8 KiB at
     * head_dim 128) stays in L1, and a multiple of every vector width's lane count lets the softmax run in whole vectors.
     */
    static final int TILE = 16;

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
        for (int tileStart = from; tileStart < to; tileStart += TILE) {
            int count = Math.min(TILE, to - tileStart);
            decodeTile(kv, kv.keys(), tileStart, count, state.rows);
            for (int h = 0; h < state.groupHeads; h++) {
                Dots.dotMany(q, qOff + h * state.headDim, state.rows, count, state.headDim, state.weights, 1, h * TILE);
                Arrays.fill(state.weights, h * TILE + count, (h + 1) * TILE, Float.NEGATIVE_INFINITY);
                exponentiate(state, h, scale);
            }
            decodeTile(kv, kv.values(), tileStart, count, state.rows);
            for (int h = 0; h < state.groupHeads; h++) {
                addValues(state, count, h);
            }
        }
    }

    /** Decodes the rows of positions {@code [tileStart, tileStart + count)} into {@code rows[j · headDim]}. */
    private static void decodeTile(PagedKv kv, MemorySegment segment, int tileStart, int count, float[] rows) {
        for (int j = 0; j < count; j++) {
            kv.type().load(segment, kv.rowOffset(tileStart + j), kv.headDim(), rows, j * kv.headDim());
        }
    }

    /**
     * Turns head {@code h}'s dot products {@code q · k} of a tile into weights {@code exp(scale · q · k − m)} against the
     * running maximum {@code m}, first raising {@code m} to the tile's largest score and rescaling what came before.
     * Positions past the tile's end hold −∞ and weigh 0.
     */
    private static void exponentiate(AttentionState state, int h, float scale) {
        float[] weights = state.weights;
        int base = h * TILE;
        FloatVector tileMax = FloatVector.broadcast(F32, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < TILE; j += LANES) {
            FloatVector score = FloatVector.fromArray(F32, weights, base + j).mul(scale);
            score.intoArray(weights, base + j);
            tileMax = tileMax.max(score);
        }
        float largest = tileMax.reduceLanes(VectorOperators.MAX);
        if (largest > state.max[h]) {
            state.rescale(h, (float) Math.exp(state.max[h] - largest));
            state.max[h] = largest;
        }
        FloatVector m = FloatVector.broadcast(F32, state.max[h]);
        FloatVector sum = FloatVector.zero(F32);
        for (int j = 0; j < TILE; j += LANES) {
            FloatVector w = FloatVector.fromArray(F32, weights, base + j).sub(m).lanewise(VectorOperators.EXP);
            w.intoArray(weights, base + j);
            sum = sum.add(w);
        }
        state.sum[h] += sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@code acc_h += Σ_j w_hj · v_j} over the tile's decoded values. Four slices of the accumulator at a time stay in
     * registers while the positions go by, so four independent FMA chains hide the FMA latency and one broadcast weight
     * feeds four FMAs.
     */
    private static void addValues(AttentionState state, int count, int h) {
        float[] rows = state.rows;
        float[] weights = state.weights;
        float[] acc = state.acc;
        int d = state.headDim;
        int base = h * d;
        int w = h * TILE;
        int i = 0;
        for (int bound = d - 4 * LANES; i <= bound; i += 4 * LANES) {
            FloatVector sum0 = FloatVector.fromArray(F32, acc, base + i);
            FloatVector sum1 = FloatVector.fromArray(F32, acc, base + i + LANES);
            FloatVector sum2 = FloatVector.fromArray(F32, acc, base + i + 2 * LANES);
            FloatVector sum3 = FloatVector.fromArray(F32, acc, base + i + 3 * LANES);
            for (int j = 0, v = i; j < count; j++, v += d) {
                FloatVector weight = FloatVector.broadcast(F32, weights[w + j]);
                sum0 = FloatVector.fromArray(F32, rows, v).fma(weight, sum0);
                sum1 = FloatVector.fromArray(F32, rows, v + LANES).fma(weight, sum1);
                sum2 = FloatVector.fromArray(F32, rows, v + 2 * LANES).fma(weight, sum2);
                sum3 = FloatVector.fromArray(F32, rows, v + 3 * LANES).fma(weight, sum3);
            }
            sum0.intoArray(acc, base + i);
            sum1.intoArray(acc, base + i + LANES);
            sum2.intoArray(acc, base + i + 2 * LANES);
            sum3.intoArray(acc, base + i + 3 * LANES);
        }
        for (int bound = d - LANES; i <= bound; i += LANES) {
            FloatVector sum = FloatVector.fromArray(F32, acc, base + i);
            for (int j = 0; j < count; j++) {
                sum = FloatVector.fromArray(F32, rows, j * d + i).fma(FloatVector.broadcast(F32, weights[w + j]), sum);
            }
            sum.intoArray(acc, base + i);
        }
        for (; i < d; i++) {
            float sum = acc[base + i];
            for (int j = 0; j < count; j++) {
                sum = Math.fma(rows[j * d + i], weights[w + j], sum);
            }
            acc[base + i] = sum;
        }
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
