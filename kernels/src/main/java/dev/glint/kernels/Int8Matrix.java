package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.I8;
import static dev.glint.kernels.Vectors.I8_PARTS;
import static dev.glint.kernels.Vectors.LANES;

/**
 * Glint's q8, as GGUF's Q8_0: signed 8-bit weights with one F16 scale per block of 32 consecutive weights of a row,
 * {@code W[r][c] = q[r][c] · d[r][c / 32]}. The byte layout, which a file holds as is:
 * <ul>
 *   <li>row {@code r} is the {@code rowBytes = cols + cols / 16} bytes from {@code r · rowBytes};</li>
 *   <li>its first {@code cols} bytes are {@code q[r][0..cols)}, two's complement, in column order;</li>
 *   <li>then its {@code cols / 32} scales {@code d[r][b]}, little-endian IEEE half precision.</li>
 * </ul>
 * {@code cols} must be a multiple of 32. The scales are F16 as in Q8_0 rather than F32 because decode streams every
 * byte from memory once per token: F16 scales make 8.5 bits per weight instead of 9, and widening one scale per 32
 * weights costs nothing next to the 32 multiply-adds. Keeping each row's scales after its weights, rather than
 * interleaved, leaves the weight loads aligned and a row (or a range of rows) one contiguous slice.
 */
public final class Int8Matrix implements Matrix {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final int BLOCK = 32;
    private static final int QMAX = 127;

    /** Gives the float weights of one row of a matrix being quantized. */
    @FunctionalInterface
    public interface RowSource {
        /** Writes row {@code r}'s weights into {@code weights[0, cols)}. */
        void row(int r, float[] weights);
    }

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final int blocks;
    private final long rowBytes;

    private Int8Matrix(MemorySegment data, int rows, int cols) {
        long size = byteSize(rows, cols);
        if (data.byteSize() != size) {
            throw new IllegalArgumentException("Int8 matrix " + rows + "x" + cols + " needs " + size
                    + " bytes, segment has " + data.byteSize());
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / BLOCK;
        this.rowBytes = rowBytes(cols);
    }

    /** Reads a matrix in the layout above from {@code data} (typically a slice of a memory-mapped file). */
    public static Int8Matrix of(MemorySegment data, int rows, int cols) {
        return new Int8Matrix(data, rows, cols);
    }

    /** Bytes the layout takes. */
    public static long byteSize(int rows, int cols) {
        if (rows < 0 || cols < 0 || cols % BLOCK != 0) {
            throw new IllegalArgumentException("Int8 matrix " + rows + "x" + cols
                    + ": the width must be a multiple of the block of " + BLOCK);
        }
        return rows * rowBytes(cols);
    }

    private static long rowBytes(int cols) {
        return cols + 2L * (cols / BLOCK);
    }

    /** Quantizes {@code rows} rows from {@code source} into memory of {@code arena}. */
    public static Int8Matrix quantize(Arena arena, int rows, int cols, RowSource source) {
        return quantize(arena.allocate(byteSize(rows, cols), 64), rows, cols, source);
    }

    /**
     * Quantizes {@code rows} rows from {@code source} into {@code data} (for example a region of a file mapped for
     * writing). Each block's scale is the smallest F16 at least {@code amax / 127}, so {@code |w / d| ≤ 127} needs no
     * clamping; {@code q = rint(w / d)}, ties to even. A block of zeros has scale 0.
     */
    public static Int8Matrix quantize(MemorySegment data, int rows, int cols, RowSource source) {
        Int8Matrix m = new Int8Matrix(data, rows, cols);
        float[] weights = new float[cols];
        for (int r = 0; r < rows; r++) {
            source.row(r, weights);
            m.writeRow(r, weights);
        }
        return m;
    }

    private void writeRow(int r, float[] weights) {
        long base = r * rowBytes;
        for (int b = 0; b < cols / BLOCK; b++) {
            float amax = 0f;
            for (int c = b * BLOCK; c < (b + 1) * BLOCK; c++) {
                if (!Float.isFinite(weights[c])) {
                    throw new IllegalArgumentException("Int8 quantization: weight [" + r + "][" + c + "] is " + weights[c]);
                }
                amax = Math.max(amax, Math.abs(weights[c]));
            }
            short scaleBits = scaleCovering(amax, r, b);
            float scale = Float.float16ToFloat(scaleBits);
            data.set(F16, base + cols + 2L * b, scaleBits);
            for (int c = b * BLOCK; c < (b + 1) * BLOCK; c++) {
                byte q = scale == 0f ? 0 : (byte) Math.rint(weights[c] / scale);
                data.set(ValueLayout.JAVA_BYTE, base + c, q);
            }
        }
    }

    /** The smallest F16 {@code d} with {@code 127 · d ≥ amax}. */
    private static short scaleCovering(float amax, int r, int b) {
        short bits = Float.floatToFloat16(amax / QMAX);
        if ((double) Float.float16ToFloat(bits) * QMAX < amax) {
            bits++;
        }
        if (Float.isInfinite(Float.float16ToFloat(bits))) {
            throw new IllegalArgumentException("Int8 quantization: block " + b + " of row " + r + " has |w| up to "
                    + amax + ", beyond what an F16 scale can cover");
        }
        return bits;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** The matrix's bytes in the layout above, for writing it out. */
    public MemorySegment data() {
        return data;
    }

    private float scale(long rowBase, int block) {
        return Float.float16ToFloat(data.get(F16, rowBase + cols + 2L * block));
    }

    private float weightScalar(int r, int c) {
        long base = r * rowBytes;
        return data.get(ValueLayout.JAVA_BYTE, base + c) * scale(base, c / BLOCK);
    }

    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        float[] scales = new float[blocks];
        for (int r = from; r < to; r++) {
            out[r] = dotRow(r, x, scales);
        }
    }

    /**
     * Widens row {@code r}'s scales into {@code dst[at, at + blocks)} a vector at a time, so the loop over blocks
     * broadcasts each from a float array instead of widening it alone.
     */
    private void widenScales(int r, float[] dst, int at) {
        long scales = r * rowBytes + cols;
        int b = 0;
        for (int bound = blocks - LANES; b <= bound; b += LANES) {
            F16Matrix.widen(data, scales + 2L * b).intoArray(dst, at + b);
        }
        for (; b < blocks; b++) {
            dst[at + b] = Float.float16ToFloat(data.get(F16, scales + 2L * b));
        }
    }

    /**
     * One row at a time, alternating two accumulators over its blocks. Rows are contiguous, so the weights stream
     * from memory in one sequential run: that measured faster from memory than four rows sharing their activation
     * loads, though slower in cache.
     */
    private float dotRow(int r, float[] x, float[] scales) {
        widenScales(r, scales, 0);
        long base = r * rowBytes;
        FloatVector even = FloatVector.zero(F32);
        FloatVector odd = FloatVector.zero(F32);
        int b = 0;
        for (; b + 2 <= blocks; b += 2) {
            int c = b * BLOCK;
            even = blockSum(base + c, x, c).fma(FloatVector.broadcast(F32, scales[b]), even);
            odd = blockSum(base + c + BLOCK, x, c + BLOCK).fma(FloatVector.broadcast(F32, scales[b + 1]), odd);
        }
        if (b < blocks) {
            even = blockSum(base + b * BLOCK, x, b * BLOCK).fma(FloatVector.broadcast(F32, scales[b]), even);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    /** Lane-wise {@code Σ q · x} over the block of 32 weights at byte {@code at}, against {@code x[c, c+32)}, unscaled. */
    private FloatVector blockSum(long at, float[] x, int c) {
        FloatVector sum = FloatVector.zero(F32);
        for (int j = 0; j < BLOCK; j += I8.length()) {
            ByteVector q = ByteVector.fromMemorySegment(I8, data, at + j, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < I8_PARTS; p++) {
                FloatVector w = (FloatVector) q.convertShape(VectorOperators.B2F, F32, p);
                sum = w.fma(FloatVector.fromArray(F32, x, c + j + p * LANES), sum);
            }
        }
        return sum;
    }

    @Override
    public void matVecScalar(float[] x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            float sum = 0f;
            for (int c = 0; c < cols; c++) {
                sum += weightScalar(r, c) * x[c];
            }
            out[r] = sum;
        }
    }

    @Override
    public void loadRow(int r, float[] dst) {
        long base = r * rowBytes;
        for (int b = 0, c = 0; c < cols; b++, c += BLOCK) {
            float d = scale(base, b);
            for (int j = 0; j < BLOCK; j += I8.length()) {
                ByteVector q = ByteVector.fromMemorySegment(I8, data, base + c + j, ByteOrder.LITTLE_ENDIAN);
                for (int p = 0; p < I8_PARTS; p++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F32, p)).mul(d).intoArray(dst, c + j + p * LANES);
                }
            }
        }
    }

    @Override
    public void loadRowScalar(int r, float[] dst) {
        for (int c = 0; c < cols; c++) {
            dst[c] = weightScalar(r, c);
        }
    }
}
