package dev.glint.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.LANES;

/** A row-major little-endian BF16 matrix, read in place from {@code data} (typically a memory-mapped checkpoint). */
public record Bf16Matrix(MemorySegment data, int rows, int cols) implements Matrix {
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Bf16Matrix {
        if (data.byteSize() != 2L * rows * cols) {
            throw new IllegalArgumentException("BF16 matrix " + rows + "x" + cols + " needs " + 2L * rows * cols
                    + " bytes, segment has " + data.byteSize());
        }
    }

    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        int r = from;
        for (; r + 4 <= to; r += 4) {
            dotFourRows(r, x, out);
        }
        for (; r < to; r++) {
            out[r] = dotRow(r, x);
        }
    }

    /** Four rows at once: each activation vector is loaded once for four weight streams, which keeps more loads in flight. */
    private void dotFourRows(int r, float[] x, float[] out) {
        long rowBytes = 2L * cols;
        long base0 = rowBytes * r;
        long base1 = base0 + rowBytes;
        long base2 = base1 + rowBytes;
        long base3 = base2 + rowBytes;
        FloatVector acc0 = FloatVector.zero(F32);
        FloatVector acc1 = FloatVector.zero(F32);
        FloatVector acc2 = FloatVector.zero(F32);
        FloatVector acc3 = FloatVector.zero(F32);
        int i = 0;
        for (int bound = cols - LANES; i <= bound; i += LANES) {
            FloatVector xv = FloatVector.fromArray(F32, x, i);
            long at = 2L * i;
            acc0 = Vectors.bf16(data, base0 + at).fma(xv, acc0);
            acc1 = Vectors.bf16(data, base1 + at).fma(xv, acc1);
            acc2 = Vectors.bf16(data, base2 + at).fma(xv, acc2);
            acc3 = Vectors.bf16(data, base3 + at).fma(xv, acc3);
        }
        float s0 = acc0.reduceLanes(VectorOperators.ADD);
        float s1 = acc1.reduceLanes(VectorOperators.ADD);
        float s2 = acc2.reduceLanes(VectorOperators.ADD);
        float s3 = acc3.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            long at = 2L * i;
            s0 = Math.fma(Vectors.bf16(data.get(BF16, base0 + at)), x[i], s0);
            s1 = Math.fma(Vectors.bf16(data.get(BF16, base1 + at)), x[i], s1);
            s2 = Math.fma(Vectors.bf16(data.get(BF16, base2 + at)), x[i], s2);
            s3 = Math.fma(Vectors.bf16(data.get(BF16, base3 + at)), x[i], s3);
        }
        out[r] = s0;
        out[r + 1] = s1;
        out[r + 2] = s2;
        out[r + 3] = s3;
    }

    private float dotRow(int r, float[] x) {
        long base = 2L * r * cols;
        FloatVector acc0 = FloatVector.zero(F32);
        FloatVector acc1 = FloatVector.zero(F32);
        int i = 0;
        for (int bound = cols - 2 * LANES; i <= bound; i += 2 * LANES) {
            acc0 = Vectors.bf16(data, base + 2L * i).fma(FloatVector.fromArray(F32, x, i), acc0);
            acc1 = Vectors.bf16(data, base + 2L * (i + LANES)).fma(FloatVector.fromArray(F32, x, i + LANES), acc1);
        }
        for (int bound = cols - LANES; i <= bound; i += LANES) {
            acc0 = Vectors.bf16(data, base + 2L * i).fma(FloatVector.fromArray(F32, x, i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum = Math.fma(Vectors.bf16(data.get(BF16, base + 2L * i)), x[i], sum);
        }
        return sum;
    }

    @Override
    public void matVecScalar(float[] x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            long base = 2L * r * cols;
            float sum = 0f;
            for (int i = 0; i < cols; i++) {
                sum += Vectors.bf16(data.get(BF16, base + 2L * i)) * x[i];
            }
            out[r] = sum;
        }
    }

    @Override
    public void loadRow(int r, float[] dst) {
        long base = 2L * r * cols;
        int i = 0;
        for (int bound = cols - LANES; i <= bound; i += LANES) {
            Vectors.bf16(data, base + 2L * i).intoArray(dst, i);
        }
        for (; i < cols; i++) {
            dst[i] = Vectors.bf16(data.get(BF16, base + 2L * i));
        }
    }

    @Override
    public void loadRowScalar(int r, float[] dst) {
        long base = 2L * r * cols;
        for (int i = 0; i < cols; i++) {
            dst[i] = Vectors.bf16(data.get(BF16, base + 2L * i));
        }
    }
}
