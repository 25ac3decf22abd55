package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

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
    /** E4M3FN's NaN code (S.1111.111); the format has no infinities. */
    static final byte NAN_CODE = 0x7F;
    /** E4M3FN's largest finite magnitude. */
    public static final float E4M3_MAX = 448f;
    /** The smallest normal E4M3 magnitude, 2⁻⁶; below it codes are multiples of 2⁻⁹. */
    static final float E4M3_MIN_NORMAL = 0x1p-6f;
    /**
     * Codes per step of the vector loops, one vector of bytes: 64, 32 or 16 at 512, 256 or 128 bits. Each step first
     * checks whether any of its codes is a zero, a subnormal or NaN.
     */
    private static final VectorSpecies<Byte> STEP = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Vectors.BITS));
    /** Float vectors per step. */
    private static final int STEP_VECTORS = STEP.length() / LANES;
    /** The sign and the 7 exponent and mantissa bits of the sign-extended code shifted left by 20. */
    private static final int SIGN_AND_MAGNITUDE = SIGN | MAGNITUDE;
    /**
     * 112 in the float exponent field: ORed onto a normal code in float position it makes {@code 2^-8} times its
     * value, since E4M3's exponent field is 4 bits and 112 + e needs no carry. The loops fold the {@code 2^8} back
     * into the block scale.
     */
    private static final int EXPONENT_112 = 112 << 23;
    private static final float UNSCALE = 0x1p8f;

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

    /** The E4M3FN code nearest to {@code x} (ties to even), saturating at ±448; NaN gives the NaN code. */
    public static byte e4m3Code(float x) {
        int sign = (Float.floatToRawIntBits(x) >>> 24) & 0x80;
        float a = Math.abs(x);
        if (Float.isNaN(a)) {
            return (byte) (sign | NAN_CODE);
        }
        a = Math.min(a, E4M3_MAX);
        int magnitude;
        if (a < E4M3_MIN_NORMAL) {
            magnitude = (int) Math.rint(a * 512);
        } else {
            int exponent = Math.getExponent(a);
            int mantissa = (int) Math.rint(Math.scalb(a, 3 - exponent));
            magnitude = ((exponent + 7) << 3) + mantissa - 8;
        }
        return (byte) (sign | magnitude);
    }

    /** One load of codes, widened {@link Vectors#I8_PARTS} float vectors at a time. */
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

    /**
     * {@code 2^-8} times the values of {@link Vectors#LANES} normal codes: one shift and one and-or (a single
     * {@code vpternlogd}) after the widening, against ten operations for {@link #decode}.
     */
    private static FloatVector decodeNormal(ByteVector codes, int part) {
        IntVector shifted = ((IntVector) codes.convertShape(VectorOperators.B2I, I32, part)).lanewise(VectorOperators.LSHL, 20);
        return shifted.and(SIGN_AND_MAGNITUDE).or(EXPONENT_112).reinterpretAsFloats();
    }

    /**
     * Whether any of the {@link #STEP} codes at {@code offset} is a zero, a subnormal or NaN (exponent and mantissa
     * 0000.xxx or 1111.111): those are the codes {@code c} with {@code (c + 1) & 0x7F} below 9. Real weights have
     * few, so a step almost always takes {@link #decodeNormal}.
     */
    private boolean hasSpecialCodes(long offset) {
        ByteVector step = ByteVector.fromMemorySegment(STEP, data, offset, ByteOrder.LITTLE_ENDIAN);
        return step.add((byte) 1).and((byte) 0x7F).compare(VectorOperators.LT, (byte) 9).anyTrue();
    }

    /** The codes holding float vector {@code v} of the step at {@code offset}, as its part {@code v % I8_PARTS}. */
    private ByteVector stepCodes(long offset, int v) {
        return codes(offset + (long) (v / I8_PARTS) * I8.length());
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

    /** {@code 2^-8 · Σ w · x} over a step of normal codes at byte {@code offset}, against {@code x[i, i + STEP)}. */
    private FloatVector dotStepNormal(long offset, float[] x, int i) {
        FloatVector even = FloatVector.zero(F32);
        FloatVector odd = FloatVector.zero(F32);
        for (int v = 0; v < STEP_VECTORS; v += 2) {
            even = decodeNormal(stepCodes(offset, v), v % I8_PARTS).fma(FloatVector.fromArray(F32, x, i + v * LANES), even);
            odd = decodeNormal(stepCodes(offset, v + 1), (v + 1) % I8_PARTS)
                    .fma(FloatVector.fromArray(F32, x, i + (v + 1) * LANES), odd);
        }
        return even.add(odd);
    }

    /**
     * Each block's products are summed unscaled (times {@code 2^-8}) and scaled once. A step with zeros, subnormals or
     * NaN is decoded exactly instead; its loop is written out here because as a method it would be an out-of-line
     * call on the rare path, and a call inside the loop made C2 keep the accumulators on the stack.
     */
    private float dotRow(int r, float[] x) {
        long base = (long) r * cols;
        long scaleRow = scaleRow(r);
        FloatVector total = FloatVector.zero(F32);
        float tailTotal = 0f;
        for (int block = 0, start = 0; start < cols; block++, start += blockCols) {
            int end = Math.min(cols, start + blockCols);
            FloatVector acc = FloatVector.zero(F32);
            int i = start;
            for (int bound = end - STEP.length(); i <= bound; i += STEP.length()) {
                long at = base + i;
                if (!hasSpecialCodes(at)) {
                    acc = acc.add(dotStepNormal(at, x, i));
                } else {
                    FloatVector exact = FloatVector.zero(F32);
                    for (int v = 0; v < STEP_VECTORS; v++) {
                        exact = decode(stepCodes(at, v), v % I8_PARTS).fma(FloatVector.fromArray(F32, x, i + v * LANES), exact);
                    }
                    acc = exact.fma(FloatVector.broadcast(F32, 1 / UNSCALE), acc);
                }
            }
            float tail = 0f;
            for (; i < end; i++) {
                tail = Math.fma(e4m3(data.get(ValueLayout.JAVA_BYTE, base + i)), x[i], tail);
            }
            float s = scale(scaleRow + block);
            total = acc.fma(FloatVector.broadcast(F32, s * UNSCALE), total);
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
            FloatVector unscaled = FloatVector.broadcast(F32, s * UNSCALE);
            int i = start;
            for (int bound = end - STEP.length(); i <= bound; i += STEP.length()) {
                if (hasSpecialCodes(base + i)) {
                    loadStepExact(base + i, s, dst, i);
                } else {
                    for (int v = 0; v < STEP_VECTORS; v++) {
                        decodeNormal(stepCodes(base + i, v), v % I8_PARTS).mul(unscaled).intoArray(dst, i + v * LANES);
                    }
                }
            }
            for (; i < end; i++) {
                dst[i] = e4m3(data.get(ValueLayout.JAVA_BYTE, base + i)) * s;
            }
        }
    }

    private void loadStepExact(long offset, float s, float[] dst, int i) {
        for (int v = 0; v < STEP_VECTORS; v++) {
            decode(stepCodes(offset, v), v % I8_PARTS).mul(s).intoArray(dst, i + v * LANES);
        }
    }

    @Override
    public void loadRowScalar(int r, float[] dst) {
        long base = (long) r * cols;
        for (int i = 0; i < cols; i++) {
            dst[i] = e4m3(data.get(ValueLayout.JAVA_BYTE, base + i)) * scale(scaleRow(r) + i / blockCols);
        }
    }

    @Override
    public List<MemorySegment> memory() {
        return List.of(data, scales);
    }
}
