package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.I32;
import static dev.glint.kernels.Vectors.I8;
import static dev.glint.kernels.Vectors.I8_PARTS;
import static dev.glint.kernels.Vectors.LANES;

/**
 * A row-major FP8 E4M3FN matrix read in place, with F32 scales over {@code blockRows × blockCols} tiles:
 * {@code W[r][c] = e4m3(data[r][c]) · scales[r / blockRows][c / blockCols]}. Per-output-channel scales are tiles of
 * one whole row; DeepSeek-style 128×128 blocks have partial tiles at the edges. Each tile's products are summed
 * unscaled and the scale is applied once per tile.
 */
public final class Fp8Matrix implements Matrix {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** (127 − 7) in the float exponent field: rebiases an E4M3 exponent once it sits in float position. */
    private static final int REBIAS = 120 << 23;
    /** After a left shift by 20 of the sign-extended byte: its 4 exponent and 3 mantissa bits, and its sign. */
    private static final int MAGNITUDE = 0x07F0_0000;
    private static final int SIGN = 0x8000_0000;
    private static final int NAN_CODE = 0x7F;

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final MemorySegment scales;
    private final int blockRows;
    private final int blockCols;
    private final int colBlocks;

    public Fp8Matrix(MemorySegment data, int rows, int cols, MemorySegment scales, int blockRows, int blockCols) {
        if (blockRows < 1 || blockCols < 1) {
            throw new IllegalArgumentException("FP8 scale blocks must be at least 1x1, not " + blockRows + "x" + blockCols);
        }
        if (data.byteSize() != (long) rows * cols) {
            throw new IllegalArgumentException("FP8 matrix " + rows + "x" + cols + " needs " + (long) rows * cols
                    + " bytes, segment has " + data.byteSize());
        }
        this.colBlocks = ceilDiv(cols, blockCols);
        long scaleBytes = 4L * ceilDiv(rows, blockRows) * colBlocks;
        if (scales.byteSize() != scaleBytes) {
            throw new IllegalArgumentException("FP8 matrix " + rows + "x" + cols + " in " + blockRows + "x" + blockCols
                    + " blocks needs " + scaleBytes + " bytes of F32 scales, segment has " + scales.byteSize());
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.scales = scales;
        this.blockRows = blockRows;
        this.blockCols = blockCols;
    }

    /** One scale per output row ({@code scales} is {@code [rows]}). */
    public static Fp8Matrix perChannel(MemorySegment data, int rows, int cols, MemorySegment scales) {
        return new Fp8Matrix(data, rows, cols, scales, 1, cols);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    public int blockCols() {
        return blockCols;
    }

    /** The E4M3FN value of {@code code}, straight from the definition: the scalar twins' reference decoder. */
    public static float e4m3(byte code) {
        int bits = code & 0xFF;
        int exponent = (bits >>> 3) & 0xF;
        int mantissa = bits & 7;
        if ((bits & NAN_CODE) == NAN_CODE) {
            return Float.NaN;
        }
        float magnitude = exponent == 0 ? Math.scalb(mantissa / 8f, -6) : Math.scalb(1 + mantissa / 8f, exponent - 7);
        return bits >= 0x80 ? -magnitude : magnitude;
    }

    /** One load of codes; each step of the loops decodes 2·LANES codes from one or two of them. */
    private ByteVector codes(long offset) {
        return ByteVector.fromMemorySegment(I8, data, offset, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Widens {@link Vectors#LANES} codes (part {@code part} of {@code codes}) to floats by bit arithmetic. The
     * sign-extended byte shifted left by 20 has its sign at bit 31 and its exponent and mantissa at the top of a
     * float's; adding {@code 120 << 23} rebiases normal numbers. The rebias is an integer add rather than a multiply
     * by 2^120 because a subnormal code would then be a denormal float operand, which costs a microcode assist per
     * instruction on x86 (FP8 matVec ran at 0.5 GB/s). A subnormal code (exponent 0) comes out as
     * {@code 2^-7 · (1 + m/8)}, and {@code 2v − 2^-6} turns that into its value {@code m · 2^-9}. E4M3FN has no
     * infinities and NaN only at S.1111.111.
     */
    static FloatVector decode(ByteVector codes, int part) {
        IntVector shifted = ((IntVector) codes.convertShape(VectorOperators.B2I, I32, part)).lanewise(VectorOperators.LSHL, 20);
        IntVector magnitude = shifted.and(MAGNITUDE);
        FloatVector normal = magnitude.add(REBIAS).reinterpretAsFloats();
        FloatVector value = normal.blend(normal.fma(2f, -0x1p-6f), magnitude.compare(VectorOperators.LT, 1 << 23).cast(F32))
                .blend(Float.NaN, magnitude.compare(VectorOperators.EQ, MAGNITUDE).cast(F32));
        return value.reinterpretAsInts().or(shifted.and(SIGN)).reinterpretAsFloats();
    }

    /** Index of row {@code r}'s first scale; its block {@code b} scale is at this + b. */
    private long scaleRow(int r) {
        return (long) (r / blockRows) * colBlocks;
    }

    private float scale(long index) {
        return scales.getAtIndex(FLOAT, index);
    }

    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            out[r] = dotRow(r, x);
        }
    }

    private float dotRow(int r, float[] x) {
        long base = (long) r * cols;
        long scaleRow = scaleRow(r);
        FloatVector total = FloatVector.zero(F32);
        float tailTotal = 0f;
        for (int block = 0, start = 0; start < cols; block++, start += blockCols) {
            int end = Math.min(cols, start + blockCols);
            FloatVector acc0 = FloatVector.zero(F32);
            FloatVector acc1 = FloatVector.zero(F32);
            int i = start;
            for (int bound = end - 2 * LANES; i <= bound; i += 2 * LANES) {
                ByteVector first = codes(base + i);
                ByteVector second = I8_PARTS == 2 ? first : codes(base + i + LANES);
                acc0 = decode(first, 0).fma(FloatVector.fromArray(F32, x, i), acc0);
                acc1 = decode(second, I8_PARTS - 1).fma(FloatVector.fromArray(F32, x, i + LANES), acc1);
            }
            float tail = 0f;
            for (; i < end; i++) {
                tail = Math.fma(e4m3(data.get(ValueLayout.JAVA_BYTE, base + i)), x[i], tail);
            }
            float s = scale(scaleRow + block);
            total = acc0.add(acc1).fma(FloatVector.broadcast(F32, s), total);
            tailTotal = Math.fma(tail, s, tailTotal);
        }
        return total.reduceLanes(VectorOperators.ADD) + tailTotal;
    }

    @Override
    public void matVecScalar(float[] x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            long base = (long) r * cols;
            float sum = 0f;
            for (int i = 0; i < cols; i++) {
                sum += e4m3(data.get(ValueLayout.JAVA_BYTE, base + i)) * scale(scaleRow(r) + i / blockCols) * x[i];
            }
            out[r] = sum;
        }
    }

    @Override
    public void loadRow(int r, float[] dst) {
        long base = (long) r * cols;
        long scaleRow = scaleRow(r);
        for (int block = 0, start = 0; start < cols; block++, start += blockCols) {
            int end = Math.min(cols, start + blockCols);
            float s = scale(scaleRow + block);
            int i = start;
            for (int bound = end - 2 * LANES; i <= bound; i += 2 * LANES) {
                ByteVector first = codes(base + i);
                ByteVector second = I8_PARTS == 2 ? first : codes(base + i + LANES);
                decode(first, 0).mul(s).intoArray(dst, i);
                decode(second, I8_PARTS - 1).mul(s).intoArray(dst, i + LANES);
            }
            for (; i < end; i++) {
                dst[i] = e4m3(data.get(ValueLayout.JAVA_BYTE, base + i)) * s;
            }
        }
    }

    @Override
    public void loadRowScalar(int r, float[] dst) {
        long base = (long) r * cols;
        for (int i = 0; i < cols; i++) {
            dst[i] = e4m3(data.get(ValueLayout.JAVA_BYTE, base + i)) * scale(scaleRow(r) + i / blockCols);
        }
    }
}
