package dev.glint.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.LANES;

/** Element-wise kernels over float arrays: RMSNorm, rotary embedding, SwiGLU, residual adds. */
public final class VectorMath {
    private VectorMath() {
    }

    /** {@code out = x / sqrt(mean(x²) + eps) * weight} over {@code n} values. */
    public static void rmsNorm(float[] x, int xOff, float[] weight, float eps, float[] out, int outOff, int n) {
        FloatVector acc = FloatVector.zero(F32);
        int i = 0;
        for (int bound = n - LANES; i <= bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(F32, x, xOff + i);
            acc = v.fma(v, acc);
        }
        float sumSquares = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sumSquares = Math.fma(x[xOff + i], x[xOff + i], sumSquares);
        }
        float inverseRms = (float) (1.0 / Math.sqrt(sumSquares / n + eps));
        i = 0;
        for (int bound = n - LANES; i <= bound; i += LANES) {
            FloatVector.fromArray(F32, x, xOff + i).mul(inverseRms).mul(FloatVector.fromArray(F32, weight, i))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inverseRms * weight[i];
        }
    }

    public static void rmsNormScalar(float[] x, int xOff, float[] weight, float eps, float[] out, int outOff, int n) {
        float sumSquares = 0f;
        for (int i = 0; i < n; i++) {
            sumSquares += x[xOff + i] * x[xOff + i];
        }
        float inverseRms = (float) (1.0 / Math.sqrt(sumSquares / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inverseRms * weight[i];
        }
    }

    /**
     * Rotate-half (NeoX) rotary embedding of the first {@code 2 * half} values at {@code off}: value {@code j} pairs
     * with {@code j + half} and turns by the angle whose cosine and sine are {@code cos[j]}, {@code sin[j]}.
     * Values past the rotary part are left alone.
     */
    public static void ropeNeox(float[] x, int off, float[] cos, float[] sin, int half) {
        int j = 0;
        for (int bound = half - LANES; j <= bound; j += LANES) {
            FloatVector a = FloatVector.fromArray(F32, x, off + j);
            FloatVector b = FloatVector.fromArray(F32, x, off + half + j);
            FloatVector c = FloatVector.fromArray(F32, cos, j);
            FloatVector s = FloatVector.fromArray(F32, sin, j);
            a.mul(c).sub(b.mul(s)).intoArray(x, off + j);
            b.mul(c).add(a.mul(s)).intoArray(x, off + half + j);
        }
        for (; j < half; j++) {
            float a = x[off + j];
            float b = x[off + half + j];
            x[off + j] = a * cos[j] - b * sin[j];
            x[off + half + j] = b * cos[j] + a * sin[j];
        }
    }

    public static void ropeNeoxScalar(float[] x, int off, float[] cos, float[] sin, int half) {
        for (int j = 0; j < half; j++) {
            float a = x[off + j];
            float b = x[off + half + j];
            x[off + j] = a * cos[j] - b * sin[j];
            x[off + half + j] = b * cos[j] + a * sin[j];
        }
    }

    public static float silu(float x) {
        return (float) (x / (1.0 + Math.exp(-x)));
    }

    /** SwiGLU in place: {@code gate[i] = silu(gate[i]) * up[i]}. */
    public static void swiGlu(float[] gate, int gateOff, float[] up, int upOff, int n) {
        for (int i = 0; i < n; i++) {
            gate[gateOff + i] = silu(gate[gateOff + i]) * up[upOff + i];
        }
    }

    /** {@code acc[i] += a * x[i]}. */
    public static void axpy(float a, float[] x, int xOff, float[] acc, int accOff, int n) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(F32, a);
        for (int bound = n - LANES; i <= bound; i += LANES) {
            FloatVector.fromArray(F32, x, xOff + i).fma(av, FloatVector.fromArray(F32, acc, accOff + i))
                    .intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] = Math.fma(a, x[xOff + i], acc[accOff + i]);
        }
    }

    public static void axpyScalar(float a, float[] x, int xOff, float[] acc, int accOff, int n) {
        for (int i = 0; i < n; i++) {
            acc[accOff + i] += a * x[xOff + i];
        }
    }
}
