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
     * {@code out[t * outStride + outCol] = w · x[t]} for {@code n} rows of {@code x} ({@code [n][len]}), four tokens at a
     * time so each loaded weight vector feeds four FMAs.
     */
    static void dotMany(float[] w, float[] x, int n, int len, float[] out, int outStride, int outCol) {
        int t = 0;
        for (; t + 4 <= n; t += 4) {
            int x0 = t * len, x1 = x0 + len, x2 = x1 + len, x3 = x2 + len;
            FloatVector acc0 = FloatVector.zero(F32);
            FloatVector acc1 = FloatVector.zero(F32);
            FloatVector acc2 = FloatVector.zero(F32);
            FloatVector acc3 = FloatVector.zero(F32);
            int i = 0;
            for (int bound = len - LANES; i <= bound; i += LANES) {
                FloatVector wv = FloatVector.fromArray(F32, w, i);
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
                s0 = Math.fma(w[i], x[x0 + i], s0);
                s1 = Math.fma(w[i], x[x1 + i], s1);
                s2 = Math.fma(w[i], x[x2 + i], s2);
                s3 = Math.fma(w[i], x[x3 + i], s3);
            }
            out[t * outStride + outCol] = s0;
            out[(t + 1) * outStride + outCol] = s1;
            out[(t + 2) * outStride + outCol] = s2;
            out[(t + 3) * outStride + outCol] = s3;
        }
        for (; t < n; t++) {
            out[t * outStride + outCol] = dot(w, 0, x, t * len, len);
        }
    }

    static void dotManyScalar(float[] w, float[] x, int n, int len, float[] out, int outStride, int outCol) {
        for (int t = 0; t < n; t++) {
            out[t * outStride + outCol] = dotScalar(w, 0, x, t * len, len);
        }
    }
}
