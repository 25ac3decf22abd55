package dev.glint.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.LANES;

/**
 * * Scaled dot-product attention of one query head over cached keys and values stored as native-order F32 rows
 * ({@code rowFloats} floats per position, the head's {@code headDim} values starting at {@code headOffset}).
 */
public final class Attention {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Attention() {
    }

    /**
     * {@code out = softmax(scale · q·Kᵀ) · V} over positions {@code [0, positions)}; {@code scores} is scratch of at
     * least {@code positions} floats.
     */
    public static void attend(float[] q, int qOff, MemorySegment keys, MemorySegment values, int rowFloats,
                              int headOffset, int positions, int headDim, float scale, float[] scores,
                              float[] out, int outOff) {
        for (int p = 0; p < positions; p++) {
            long base = 4L * ((long) p * rowFloats + headOffset);
            FloatVector acc = FloatVector.zero(F32);
            int i = 0;
            for (int bound = headDim - LANES; i <= bound; i += LANES) {
                FloatVector k = FloatVector.fromMemorySegment(F32, keys, base + 4L * i, ByteOrder.nativeOrder());
                acc = k.fma(FloatVector.fromArray(F32, q, qOff + i), acc);
            }
            float dot = acc.reduceLanes(VectorOperators.ADD);
            for (; i < headDim; i++) {
                dot = Math.fma(keys.get(FLOAT, base + 4L * i), q[qOff + i], dot);
            }
            scores[p] = dot * scale;
        }
        VectorMath.softmax(scores, positions);
        Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int p = 0; p < positions; p++) {
            long base = 4L * ((long) p * rowFloats + headOffset);
            FloatVector weight = FloatVector.broadcast(F32, scores[p]);
            int i = 0;
            for (int bound = headDim - LANES; i <= bound; i += LANES) {
                FloatVector v = FloatVector.fromMemorySegment(F32, values, base + 4L * i, ByteOrder.nativeOrder());
                v.fma(weight, FloatVector.fromArray(F32, out, outOff + i)).intoArray(out, outOff + i);
            }
            for (; i < headDim; i++) {
                out[outOff + i] = Math.fma(scores[p], values.get(FLOAT, base + 4L * i), out[outOff + i]);
            }
        }
    }

    public static void attendScalar(float[] q, int qOff, MemorySegment keys, MemorySegment values, int rowFloats,
                                    int headOffset, int positions, int headDim, float scale, float[] scores,
                                    float[] out, int outOff) {
        for (int p = 0; p < positions; p++) {
            long base = 4L * ((long) p * rowFloats + headOffset);
            float dot = 0f;
            for (int i = 0; i < headDim; i++) {
                dot += keys.get(FLOAT, base + 4L * i) * q[qOff + i];
            }
            scores[p] = dot * scale;
        }
        VectorMath.softmax(scores, positions);
        for (int i = 0; i < headDim; i++) {
            float sum = 0f;
            for (int p = 0; p < positions; p++) {
                sum += scores[p] * values.get(FLOAT, 4L * ((long) p * rowFloats + headOffset) + 4L * i);
            }
            out[outOff + i] = sum;
        }
    }
}
