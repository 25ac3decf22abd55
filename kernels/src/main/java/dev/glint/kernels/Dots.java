package dev.glint.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.LANES;

/** Dot products of float arrays, the inner loops of the batched matrix product and of attention. */
public final class Dots {
    private Dots() {
    }

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F32);
        FloatVector acc1 = FloatVector.zero(F32);
        int i = 0;
        for (int bound = n - 2 * LANES; i <= bound; i += 2 * LANES) {
            acc0 = FloatVector.fromArray(F32, a, aOff + i).fma(FloatVector.fromArray(F32, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F32, a, aOff + i + LANES).fma(FloatVector.fromArray(F32, b, bOff + i + LANES), acc1);
        }
        for (int bound = n - LANES; i <= bound; i += LANES) {
            acc0 = FloatVector.fromArray(F32, a, aOff + i).fma(FloatVector.fromArray(F32, b, bOff + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum = Math.fma(a[aOff + i], b[bOff + i], sum);
        }
        return sum;
    }

    public static float dotScalar(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /**
     * {@code out[t * outStride + outCol] = w · x[t]} for {@code w = w[wOff, wOff + len)} and {@code n} rows of {@code x}
     * ({@code [n][len]}), four rows at a time so each loaded vector of {@code w} feeds four FMAs.
     */
    static void dotMany(float[] w, int wOff, float[] x, int n, int len, float[] out, int outStride, int outCol) {
        int t = 0;
        for (; t + 4 <= n; t += 4) {
            int x0 = t * len, x1 = x0 + len, x2 = x1 + len, x3 = x2 + len;
            FloatVector acc0 = FloatVector.zero(F32);
            FloatVector acc1 = FloatVector.zero(F32);
            FloatVector acc2 = FloatVector.zero(F32);
            FloatVector acc3 = FloatVector.zero(F32);
            int i = 0;
            for (int bound = len - LANES; i <= bound; i += LANES) {
                FloatVector wv = FloatVector.fromArray(F32, w, wOff + i);
                acc0 = wv.fma(FloatVector.fromArray(F32, x, x0 + i), acc0);
                acc1 = wv.fma(FloatVector.fromArray(F32, x, x1 + i), acc1);
                acc2 = wv.fma(FloatVector.fromArray(F32, x, x2 + i), acc2);
                acc3 = wv.fma(FloatVector.fromArray(F32, x, x3 + i), acc3);
            }
            float s0 = acc0.reduceLanes(VectorOperators.ADD);
            float s1 = acc1.reduceLanes(VectorOperators.ADD);
            float s2 = acc2.reduceLanes(VectorOperators.ADD);
            float s3 = acc3.reduceLanes(VectorOperators.ADD);
            for (; i < len; i++) {
                s0 = Math.fma(w[wOff + i], x[x0 + i], s0);
                s1 = Math.fma(w[wOff + i], x[x1 + i], s1);
                s2 = Math.fma(w[wOff + i], x[x2 + i], s2);
                s3 = Math.fma(w[wOff + i], x[x3 + i], s3);
            }
            out[t * outStride + outCol] = s0;
            out[(t + 1) * outStride + outCol] = s1;
            out[(t + 2) * outStride + outCol] = s2;
            out[(t + 3) * outStride + outCol] = s3;
        }
        for (; t < n; t++) {
            out[t * outStride + outCol] = dot(w, wOff, x, t * len, len);
        }
    }

    /**
     * Below this many tokens a batch streams each row from memory once against all of them (decode of several
     * sequences, whose experts see one to three tokens each; a verify step); from it on, rows are widened into
     * {@link Matrix#matMul}'s register tile, which reuses them from cache.
     */
    static final int FEW_TOKENS = 8;
    static final int TILE_ROWS = 4;
    private static final int TILE_TOKENS = 4;

    /** Columns per cache block: the widened weight tile and the tile's token rows of this length stay in L1 together. */
    private static final int BLOCK = 1024;

    /**
     * {@code out[t * outStride + outCol + i] = w[i] · x[t]} for the {@link #TILE_ROWS} rows of {@code w}
     * ({@code [TILE_ROWS][len]}) and {@code n} tokens, through a {@code TILE_ROWS × TILE_TOKENS} register tile in which
     * each loaded vector feeds several FMAs; the columns go in blocks so the weight tile is reused from L1 while token
     * rows stream past it.
     */
    static void dotTile(float[] w, float[] x, int n, int len, float[] out, int outStride, int outCol) {
        int grouped = n - n % TILE_TOKENS;
        for (int from = 0; from < len; from += BLOCK) {
            int to = Math.min(len, from + BLOCK);
            for (int t = 0; t < grouped; t += TILE_TOKENS) {
                dotTileBlock(w, x, t, len, from, to, out, t * outStride + outCol, outStride, from > 0);
            }
        }
        for (int t = grouped; t < n; t++) {
            dotColumn(w, x, t, len, out, t * outStride + outCol);
        }
    }

    /** The tile's rows against one leftover token: each token vector still feeds {@link #TILE_ROWS} FMAs. */
    private static void dotColumn(float[] w, float[] x, int t, int len, float[] out, int o) {
        int x0 = t * len;
        FloatVector a0 = FloatVector.zero(F32), a1 = FloatVector.zero(F32), a2 = FloatVector.zero(F32), a3 = FloatVector.zero(F32);
        int i = 0;
        for (int bound = len - LANES; i <= bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(F32, x, x0 + i);
            a0 = FloatVector.fromArray(F32, w, i).fma(v, a0);
            a1 = FloatVector.fromArray(F32, w, len + i).fma(v, a1);
            a2 = FloatVector.fromArray(F32, w, 2 * len + i).fma(v, a2);
            a3 = FloatVector.fromArray(F32, w, 3 * len + i).fma(v, a3);
        }
        out[o] = finish(a0, w, 0, x, x0, i, len);
        out[o + 1] = finish(a1, w, len, x, x0, i, len);
        out[o + 2] = finish(a2, w, 2 * len, x, x0, i, len);
        out[o + 3] = finish(a3, w, 3 * len, x, x0, i, len);
    }

    private static void dotTileBlock(float[] w, float[] x, int t, int len, int from, int to,
                                     float[] out, int o0, int outStride, boolean accumulate) {
        int x0 = t * len, x1 = x0 + len, x2 = x1 + len, x3 = x2 + len;
        FloatVector a00 = FloatVector.zero(F32), a01 = FloatVector.zero(F32), a02 = FloatVector.zero(F32), a03 = FloatVector.zero(F32);
        FloatVector a10 = FloatVector.zero(F32), a11 = FloatVector.zero(F32), a12 = FloatVector.zero(F32), a13 = FloatVector.zero(F32);
        FloatVector a20 = FloatVector.zero(F32), a21 = FloatVector.zero(F32), a22 = FloatVector.zero(F32), a23 = FloatVector.zero(F32);
        FloatVector a30 = FloatVector.zero(F32), a31 = FloatVector.zero(F32), a32 = FloatVector.zero(F32), a33 = FloatVector.zero(F32);
        int i = from;
        for (int bound = to - LANES; i <= bound; i += LANES) {
            FloatVector v0 = FloatVector.fromArray(F32, x, x0 + i);
            FloatVector v1 = FloatVector.fromArray(F32, x, x1 + i);
            FloatVector v2 = FloatVector.fromArray(F32, x, x2 + i);
            FloatVector v3 = FloatVector.fromArray(F32, x, x3 + i);
            FloatVector r0 = FloatVector.fromArray(F32, w, i);
            a00 = r0.fma(v0, a00);
            a01 = r0.fma(v1, a01);
            a02 = r0.fma(v2, a02);
            a03 = r0.fma(v3, a03);
            FloatVector r1 = FloatVector.fromArray(F32, w, 1 * len + i);
            a10 = r1.fma(v0, a10);
            a11 = r1.fma(v1, a11);
            a12 = r1.fma(v2, a12);
            a13 = r1.fma(v3, a13);
            FloatVector r2 = FloatVector.fromArray(F32, w, 2 * len + i);
            a20 = r2.fma(v0, a20);
            a21 = r2.fma(v1, a21);
            a22 = r2.fma(v2, a22);
            a23 = r2.fma(v3, a23);
            FloatVector r3 = FloatVector.fromArray(F32, w, 3 * len + i);
            a30 = r3.fma(v0, a30);
            a31 = r3.fma(v1, a31);
            a32 = r3.fma(v2, a32);
            a33 = r3.fma(v3, a33);
        }
        int o1 = o0 + outStride, o2 = o1 + outStride, o3 = o2 + outStride;
        out[o0] = (accumulate ? out[o0] : 0f) + finish(a00, w, 0, x, x0, i, to);
        out[o1] = (accumulate ? out[o1] : 0f) + finish(a01, w, 0, x, x1, i, to);
        out[o2] = (accumulate ? out[o2] : 0f) + finish(a02, w, 0, x, x2, i, to);
        out[o3] = (accumulate ? out[o3] : 0f) + finish(a03, w, 0, x, x3, i, to);
        out[o0 + 1] = (accumulate ? out[o0 + 1] : 0f) + finish(a10, w, 1 * len, x, x0, i, to);
        out[o1 + 1] = (accumulate ? out[o1 + 1] : 0f) + finish(a11, w, 1 * len, x, x1, i, to);
        out[o2 + 1] = (accumulate ? out[o2 + 1] : 0f) + finish(a12, w, 1 * len, x, x2, i, to);
        out[o3 + 1] = (accumulate ? out[o3 + 1] : 0f) + finish(a13, w, 1 * len, x, x3, i, to);
        out[o0 + 2] = (accumulate ? out[o0 + 2] : 0f) + finish(a20, w, 2 * len, x, x0, i, to);
        out[o1 + 2] = (accumulate ? out[o1 + 2] : 0f) + finish(a21, w, 2 * len, x, x1, i, to);
        out[o2 + 2] = (accumulate ? out[o2 + 2] : 0f) + finish(a22, w, 2 * len, x, x2, i, to);
        out[o3 + 2] = (accumulate ? out[o3 + 2] : 0f) + finish(a23, w, 2 * len, x, x3, i, to);
        out[o0 + 3] = (accumulate ? out[o0 + 3] : 0f) + finish(a30, w, 3 * len, x, x0, i, to);
        out[o1 + 3] = (accumulate ? out[o1 + 3] : 0f) + finish(a31, w, 3 * len, x, x1, i, to);
        out[o2 + 3] = (accumulate ? out[o2 + 3] : 0f) + finish(a32, w, 3 * len, x, x2, i, to);
        out[o3 + 3] = (accumulate ? out[o3 + 3] : 0f) + finish(a33, w, 3 * len, x, x3, i, to);
    }

    /** Sum of the accumulator's lanes plus the scalar tail {@code [from, to)} of the dot product. */
    private static float finish(FloatVector acc, float[] w, int wOff, float[] x, int xOff, int from, int to) {
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int j = from; j < to; j++) {
            sum = Math.fma(w[wOff + j], x[xOff + j], sum);
        }
        return sum;
    }

    static void dotManyScalar(float[] w, int wOff, float[] x, int n, int len, float[] out, int outStride, int outCol) {
        for (int t = 0; t < n; t++) {
            out[t * outStride + outCol] = dotScalar(w, wOff, x, t * len, len);
        }
    }
}
