package dev.glint.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.LANES;

/** A row-major little-endian F32 matrix, read in place from {@code data}. */
public record F32Matrix(MemorySegment data, int rows, int cols) implements Matrix {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public F32Matrix {
        if (data.byteSize() != 4L * rows * cols) {
            throw new IllegalArgumentException("F32 matrix " + rows + "x" + cols + " needs " + 4L * rows * cols
                    + " bytes, segment has " + data.byteSize());
        }
    }

    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            long base = 4L * r * cols;
            FloatVector acc = FloatVector.zero(F32);
            int i = 0;
            for (int bound = cols - LANES; i <= bound; i += LANES) {
                FloatVector w = FloatVector.fromMemorySegment(F32, data, base + 4L * i, ByteOrder.LITTLE_ENDIAN);
                acc = w.fma(FloatVector.fromArray(F32, x, i), acc);
            }
            float sum = acc.reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                sum = Math.fma(data.get(FLOAT, base + 4L * i), x[i], sum);
            }
            out[r] = sum;
        }
    }

    @Override
    public void matVecScalar(float[] x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            long base = 4L * r * cols;
            float sum = 0f;
            for (int i = 0; i < cols; i++) {
                sum += data.get(FLOAT, base + 4L * i) * x[i];
            }
            out[r] = sum;
        }
    }

    @Override
    public void loadRow(int r, float[] dst) {
        MemorySegment.copy(data, FLOAT, 4L * r * cols, dst, 0, cols);
    }

    @Override
    public void loadRowScalar(int r, float[] dst) {
        long base = 4L * r * cols;
        for (int i = 0; i < cols; i++) {
            dst[i] = data.get(FLOAT, base + 4L * i);
        }
    }

    @Override
    public List<MemorySegment> memory() {
        return List.of(data);
    }
}
