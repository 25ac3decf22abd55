package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.I8;
import static dev.glint.kernels.Vectors.I8_PARTS;
import static dev.glint.kernels.Vectors.LANES;

/**
 * Glint's q8, as GGUF's Q8_0: signed 8-bit weights with one F16 scale per block of 32 consecutive weights of a row,
 * {@code W[r][c] = q[r][c] · d[r][c / 32]}, held in two regions that a file holds as is:
 * <ul>
 *   <li>{@code weights}: {@code q[rows][cols]}, two's complement, row-major;</li>
 *   <li>{@code scales}: {@code d[rows][cols / 32]}, little-endian IEEE half precision, row-major.</li>
 * </ul>
 * {@code cols} must be a multiple of 32. The scales are F16 as in Q8_0 rather than F32 because decode streams every
 * byte from memory once per token: F16 scales make 8.5 bits per weight instead of 9, and widening one scale per 32
 * weights costs nothing next to the 32 multiply-adds. The scales are not interleaved with the weights, which leaves the
 * weight loads aligned, and not appended to each row either: rows of {@code cols + cols / 16} bytes measured 2.4
 * times slower from memory at width 2048 (10 against 23 G weights/s on one core) than rows of exactly {@code cols}.
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

    private final MemorySegment weights;
    private final MemorySegment scales;
    private final int rows;
    private final int cols;
    private final int blocks;

    private Int8Matrix(MemorySegment weights, MemorySegment scales, int rows, int cols) {
        checkShape(rows, cols);
        if (weights.byteSize() != (long) rows * cols || scales.byteSize() != scaleBytes(rows, cols)) {
            throw new IllegalArgumentException("Int8 matrix " + rows + "x" + cols + " needs " + (long) rows * cols
                    + " bytes of weights and " + scaleBytes(rows, cols) + " of scales, segments have "
                    + weights.byteSize() + " and " + scales.byteSize());
        }
        this.weights = weights;
        this.scales = scales;
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / BLOCK;
    }

    /**
     * Reads a matrix in the layout above from its two regions (typically slices of a memory-mapped file), with no
     * copying.
     */
    public static Int8Matrix of(MemorySegment weights, MemorySegment scales, int rows, int cols) {
        return new Int8Matrix(weights, scales, rows, cols);
    }

    private static void checkShape(int rows, int cols) {
        if (rows < 0 || cols < 0 || cols % BLOCK != 0) {
            throw new IllegalArgumentException("Int8 matrix " + rows + "x" + cols
                    + ": the width must be a multiple of the block of " + BLOCK);
        }
    }

    /** Bytes the layout takes, weights and scales. */
    public static long byteSize(int rows, int cols) {
        checkShape(rows, cols);
        return (long) rows * cols + scaleBytes(rows, cols);
    }

    private static long scaleBytes(int rows, int cols) {
        return 2L * rows * (cols / BLOCK);
    }

    /**
     * Quantizes {@code rows} rows from {@code source} into memory of {@code arena}. Each block's scale is the smallest
     * F16 at least {@code amax / 127}, so {@code |w / d| ≤ 127} needs no clamping; {@code q = rint(w / d)}, ties to
     * even. A block of zeros has scale 0.
     */
    public static Int8Matrix quantize(Arena arena, int rows, int cols, RowSource source) {
        checkShape(rows, cols);
        Int8Matrix m = new Int8Matrix(arena.allocate((long) rows * cols, 64), arena.allocate(scaleBytes(rows, cols), 64),
                rows, cols);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            source.row(r, row);
            m.writeRow(r, row);
        }
        return m;
    }

    private void writeRow(int r, float[] row) {
        for (int b = 0; b < blocks; b++) {
            float amax = 0f;
            for (int c = b * BLOCK; c < (b + 1) * BLOCK; c++) {
                if (!Float.isFinite(row[c])) {
                    throw new IllegalArgumentException("Int8 quantization: weight [" + r + "][" + c + "] is " + row[c]);
                }
                amax = Math.max(amax, Math.abs(row[c]));
            }
            short scaleBits = scaleCovering(amax, r, b);
            float scale = Float.float16ToFloat(scaleBits);
            scales.set(F16, scaleOffset(r, b), scaleBits);
            for (int c = b * BLOCK; c < (b + 1) * BLOCK; c++) {
                byte q = scale == 0f ? 0 : (byte) Math.rint(row[c] / scale);
                weights.set(ValueLayout.JAVA_BYTE, weightOffset(r, c), q);
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

    /** The weights region of the layout above, for writing it out. */
    public MemorySegment weights() {
        return weights;
    }

    /** The scales region of the layout above, for writing it out. */
    public MemorySegment scales() {
        return scales;
    }

    private long weightOffset(int r, int c) {
        return (long) r * cols + c;
    }

    private long scaleOffset(int r, int block) {
        return 2L * ((long) r * blocks + block);
    }

    private float scale(int r, int block) {
        return Float.float16ToFloat(scales.get(F16, scaleOffset(r, block)));
    }

    private float weightScalar(int r, int c) {
        return weights.get(ValueLayout.JAVA_BYTE, weightOffset(r, c)) * scale(r, c / BLOCK);
    }

    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        float[] rowScales = new float[blocks];
        for (int r = from; r < to; r++) {
            widenScales(r, rowScales, 0);
            out[r] = dotRow(r, x, 0, rowScales);
        }
    }

    /**
     * Fewer than {@value Dots#FEW_TOKENS} tokens (a few sequences decoding together, a verify step of speculative decoding)
     * take each row against one token after another, as {@link #matVec} does: the row stays in L1 between them, and
     * each token's products are bitwise those of a product of that token alone. More tokens widen rows into the default
     * tile.
     */
    @Override
    public void matMul(float[] x, int n, float[] out, int from, int to) {
        if (n >= Dots.FEW_TOKENS) {
            Matrix.super.matMul(x, n, out, from, to);
            return;
        }
        float[] rowScales = new float[blocks];
        for (int r = from; r < to; r++) {
            widenScales(r, rowScales, 0);
            for (int t = 0; t < n; t++) {
                out[t * rows + r] = dotRow(r, x, t * cols, rowScales);
            }
        }
    }

    /**
     * Widens row {@code r}'s scales into {@code dst[at, at + blocks)} a vector at a time, so the loop over blocks
     * broadcasts each from a float array instead of widening it alone.
     */
    private void widenScales(int r, float[] dst, int at) {
        int b = 0;
        for (int bound = blocks - LANES; b <= bound; b += LANES) {
            F16Matrix.widen(scales, scaleOffset(r, b)).intoArray(dst, at + b);
        }
        for (; b < blocks; b++) {
            dst[at + b] = scale(r, b);
        }
    }

    /**
     * Row {@code r} against the token at {@code x[xAt]}, its scales widened into {@code scales}: one row at a time,
     * alternating two accumulators over its blocks. Rows are contiguous, so the weights stream
     * from memory in one sequential run: that measured faster from memory than four rows sharing their activation
     * loads, though slower in cache.
     */
    private float dotRow(int r, float[] x, int xAt, float[] scales) {
        long base = weightOffset(r, 0);
        FloatVector even = FloatVector.zero(F32);
        FloatVector odd = FloatVector.zero(F32);
        int b = 0;
        for (; b + 2 <= blocks; b += 2) {
            int c = b * BLOCK;
            even = blockSum(base + c, x, xAt + c).fma(FloatVector.broadcast(F32, scales[b]), even);
            odd = blockSum(base + c + BLOCK, x, xAt + c + BLOCK).fma(FloatVector.broadcast(F32, scales[b + 1]), odd);
        }
        if (b < blocks) {
            even = blockSum(base + b * BLOCK, x, xAt + b * BLOCK).fma(FloatVector.broadcast(F32, scales[b]), even);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    /** Lane-wise {@code Σ q · x} over the block of 32 weights at byte {@code at}, against {@code x[c, c+32)}, unscaled. */
    private FloatVector blockSum(long at, float[] x, int c) {
        FloatVector sum = FloatVector.zero(F32);
        for (int j = 0; j < BLOCK; j += I8.length()) {
            ByteVector q = ByteVector.fromMemorySegment(I8, weights, at + j, ByteOrder.LITTLE_ENDIAN);
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
        long base = weightOffset(r, 0);
        for (int b = 0, c = 0; c < cols; b++, c += BLOCK) {
            float d = scale(r, b);
            for (int j = 0; j < BLOCK; j += I8.length()) {
                ByteVector q = ByteVector.fromMemorySegment(I8, weights, base + c + j, ByteOrder.LITTLE_ENDIAN);
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

    @Override
    public List<MemorySegment> memory() {
        return List.of(weights, scales);
    }
}
