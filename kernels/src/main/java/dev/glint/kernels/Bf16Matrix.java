package dev.glint.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

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

    /**
     * One row after another: the rows then stream from memory as one sequential run, which the hardware prefetcher
     * follows at full speed. Four rows at a time (each activation load shared by four weight streams) streamed 22–26
     * GB/s on two threads of the Zen 4 machines, one row 32–41 GB/s (MatVecBenchmark, alternated in the same hour).
     */
    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            out[r] = dotRow(r, x, 0);
        }
    }

    @Override
    public void matMul(float[] x, int n, float[] out, int from, int to) {
        if (n >= Dots.FEW_TOKENS) {
            Matrix.super.matMul(x, n, out, from, to);
            return;
        }
        for (int r = from; r < to; r++) {
            int t = 0;
            for (; t + 2 <= n; t += 2) {
                dotRowTwoTokens(r, x, t * cols, out, t * rows + r);
            }
            if (t < n) {
                out[t * rows + r] = dotRow(r, x, t * cols);
            }
        }
    }

    /** Row {@code r} against the tokens at {@code x[at]} and {@code x[at + cols]}, each widened vector used twice. */
    private void dotRowTwoTokens(int r, float[] x, int at, float[] out, int o) {
        long base = 2L * r * cols;
        int next = at + cols;
        FloatVector a0 = FloatVector.zero(F32), a1 = FloatVector.zero(F32), b0 = FloatVector.zero(F32), b1 = FloatVector.zero(F32);
        int i = 0;
        for (int bound = cols - 2 * LANES; i <= bound; i += 2 * LANES) {
            FloatVector w0 = Vectors.bf16(data, base + 2L * i), w1 = Vectors.bf16(data, base + 2L * (i + LANES));
            a0 = w0.fma(FloatVector.fromArray(F32, x, at + i), a0);
            b0 = w0.fma(FloatVector.fromArray(F32, x, next + i), b0);
            a1 = w1.fma(FloatVector.fromArray(F32, x, at + i + LANES), a1);
            b1 = w1.fma(FloatVector.fromArray(F32, x, next + i + LANES), b1);
        }
        for (int bound = cols - LANES; i <= bound; i += LANES) {
            FloatVector w0 = Vectors.bf16(data, base + 2L * i);
            a0 = w0.fma(FloatVector.fromArray(F32, x, at + i), a0);
            b0 = w0.fma(FloatVector.fromArray(F32, x, next + i), b0);
        }
        float sa = a0.add(a1).reduceLanes(VectorOperators.ADD), sb = b0.add(b1).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            float w = Vectors.bf16(data.get(BF16, base + 2L * i));
            sa = Math.fma(w, x[at + i], sa);
            sb = Math.fma(w, x[next + i], sb);
        }
        out[o] = sa;
        out[o + rows] = sb;
    }

    /** Row {@code r} against the token at {@code x[at]}. */
    private float dotRow(int r, float[] x, int at) {
        long base = 2L * r * cols;
        FloatVector acc0 = FloatVector.zero(F32);
        FloatVector acc1 = FloatVector.zero(F32);
        int i = 0;
        for (int bound = cols - 2 * LANES; i <= bound; i += 2 * LANES) {
            acc0 = Vectors.bf16(data, base + 2L * i).fma(FloatVector.fromArray(F32, x, at + i), acc0);
            acc1 = Vectors.bf16(data, base + 2L * (i + LANES)).fma(FloatVector.fromArray(F32, x, at + i + LANES), acc1);
        }
        for (int bound = cols - LANES; i <= bound; i += LANES) {
            acc0 = Vectors.bf16(data, base + 2L * i).fma(FloatVector.fromArray(F32, x, at + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum = Math.fma(Vectors.bf16(data.get(BF16, base + 2L * i)), x[at + i], sum);
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

    @Override
    public List<MemorySegment> memory() {
        return List.of(data);
    }
}
