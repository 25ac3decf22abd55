package dev.glint.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.I16;
import static dev.glint.kernels.Vectors.I32;
import static dev.glint.kernels.Vectors.LANES;

/**
 * A row-major little-endian IEEE half-precision matrix, read in place (AWQ and GPTQ checkpoints keep their
 * unquantized tensors in F16).
 */
public record F16Matrix(MemorySegment data, int rows, int cols) implements Matrix {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** (127 − 15) in the float exponent field: rebiases a half's exponent once it sits in float position. */
    private static final int REBIAS = 112 << 23;
    /** After a left shift by 13 of the sign-extended half: its 5 exponent and 10 mantissa bits, its infinity, its sign. */
    private static final int MAGNITUDE = 0x0FFF_E000;
    private static final int INFINITY = 0x7C00 << 13;
    private static final int SIGN = 0x8000_0000;

    public F16Matrix {
        if (data.byteSize() != 2L * rows * cols) {
            throw new IllegalArgumentException("F16 matrix " + rows + "x" + cols + " needs " + 2L * rows * cols
                    + " bytes, segment has " + data.byteSize());
        }
    }

    /**
     * Widens {@link Vectors#LANES} halves at {@code byteOffset}. Shifting the sign-extended half left by 13 puts its
     * sign, exponent and mantissa where a float's go; adding {@code 112 << 23} rebiases normal numbers. The rebias is
     * an integer add rather than a multiply by 2^112 because a subnormal half would then be a denormal float operand,
     * which costs a microcode assist per instruction on x86, and real F16 weights hold a few subnormals. A subnormal
     * half comes out as {@code 2^-15 · (1 + m/1024)}, and {@code 2v − 2^-14} turns that into its value
     * {@code m · 2^-24}. Infinities and NaNs get an all-ones exponent instead.
     */
    static FloatVector widen(MemorySegment segment, long byteOffset) {
        ShortVector halves = ShortVector.fromMemorySegment(I16, segment, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector shifted = ((IntVector) halves.convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 13);
        IntVector magnitude = shifted.and(MAGNITUDE);
        FloatVector normal = magnitude.add(REBIAS).reinterpretAsFloats();
        FloatVector value = normal.blend(normal.fma(2f, -0x1p-14f), magnitude.compare(VectorOperators.LT, 1 << 23).cast(F32))
                .blend(magnitude.or(0x7F80_0000).reinterpretAsFloats(),
                        magnitude.compare(VectorOperators.GE, INFINITY).cast(F32));
        return value.reinterpretAsInts().or(shifted.and(SIGN)).reinterpretAsFloats();
    }

    private float at(long byteOffset) {
        return Float.float16ToFloat(data.get(F16, byteOffset));
    }

    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        int r = from;
        for (; r + 2 <= to; r += 2) {
            dotTwoRows(r, x, out);
        }
        if (r < to) {
            out[r] = dotRow(r, x);
        }
    }

    /** Two rows share each activation load; each row keeps its own accumulator chain. */
    private void dotTwoRows(int r, float[] x, float[] out) {
        long base0 = 2L * r * cols;
        long base1 = base0 + 2L * cols;
        FloatVector acc0 = FloatVector.zero(F32);
        FloatVector acc1 = FloatVector.zero(F32);
        int i = 0;
        for (int bound = cols - LANES; i <= bound; i += LANES) {
            FloatVector xv = FloatVector.fromArray(F32, x, i);
            acc0 = widen(data, base0 + 2L * i).fma(xv, acc0);
            acc1 = widen(data, base1 + 2L * i).fma(xv, acc1);
        }
        float s0 = acc0.reduceLanes(VectorOperators.ADD);
        float s1 = acc1.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            s0 = Math.fma(at(base0 + 2L * i), x[i], s0);
            s1 = Math.fma(at(base1 + 2L * i), x[i], s1);
        }
        out[r] = s0;
        out[r + 1] = s1;
    }

    private float dotRow(int r, float[] x) {
        long base = 2L * r * cols;
        FloatVector acc0 = FloatVector.zero(F32);
        FloatVector acc1 = FloatVector.zero(F32);
        int i = 0;
        for (int bound = cols - 2 * LANES; i <= bound; i += 2 * LANES) {
            acc0 = widen(data, base + 2L * i).fma(FloatVector.fromArray(F32, x, i), acc0);
            acc1 = widen(data, base + 2L * (i + LANES)).fma(FloatVector.fromArray(F32, x, i + LANES), acc1);
        }
        for (int bound = cols - LANES; i <= bound; i += LANES) {
            acc0 = widen(data, base + 2L * i).fma(FloatVector.fromArray(F32, x, i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum = Math.fma(at(base + 2L * i), x[i], sum);
        }
        return sum;
    }

    @Override
    public void matVecScalar(float[] x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            long base = 2L * r * cols;
            float sum = 0f;
            for (int i = 0; i < cols; i++) {
                sum += at(base + 2L * i) * x[i];
            }
            out[r] = sum;
        }
    }

    @Override
    public void loadRow(int r, float[] dst) {
        long base = 2L * r * cols;
        int i = 0;
        for (int bound = cols - LANES; i <= bound; i += LANES) {
            widen(data, base + 2L * i).intoArray(dst, i);
        }
        for (; i < cols; i++) {
            dst[i] = at(base + 2L * i);
        }
    }

    @Override
    public void loadRowScalar(int r, float[] dst) {
        long base = 2L * r * cols;
        for (int i = 0; i < cols; i++) {
            dst[i] = at(base + 2L * i);
        }
    }

    @Override
    public List<MemorySegment> memory() {
        return List.of(data);
    }
}
