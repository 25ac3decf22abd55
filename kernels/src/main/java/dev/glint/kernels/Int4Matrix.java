package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.I32;
import static dev.glint.kernels.Vectors.LANES;

/**
 * A 4-bit matrix with one (scale, min) pair per group of {@code groupSize} consecutive weights of a row:
 * {@code W = fma(q, scale, min)}, {@code q} unsigned 0..15 (an asymmetric zero point {@code z} is {@code min = −z · scale},
 * a symmetric format has {@code z = 8}). Every Int4 checkpoint format is repacked at load into this one layout, built
 * so that one 16-byte load yields 32 consecutive weights, as in GGUF's Q4_0. It has three regions:
 * <ul>
 *   <li>{@code nibbles}: each row is {@code ceil(cols / 32)} blocks of 16 bytes; byte {@code j} of a block holds
 *       weight {@code j} in its low nibble and weight {@code 16 + j} in its high nibble (with group 16 a row whose
 *       length is an odd number of groups ends in a half-used block);</li>
 *   <li>{@code scales} and {@code mins}: {@code [rows][cols / groupSize]}, row-major, little-endian F32 or BF16
 *       ({@link PairType}: checkpoint formats are repacked with F32 pairs, which hold their scales and
 *       {@code −z · scale} exactly; Glint's own q4 stores BF16 pairs, 5 bits per weight instead of 6. BF16 rather
 *       than GGUF's F16 because it widens with one shift: exact F16 widening made the row kernel 30–55% slower).</li>
 * </ul>
 * Keeping the pairs apart from the nibbles, rather than before each group's blocks, makes every row's nibbles one
 * aligned run; each row's pairs are widened into float arrays once, and its {@code min · Σ x} terms are one vector dot
 * product.
 * <p>
 * Act-order checkpoints (GPTQ {@code desc_act}, compressed-tensors {@code actorder}) give each input column a group
 * that is not {@code column / groupSize}. Their columns are stored sorted by group: {@code columnOrder[j]} is the input
 * column at packed position {@code j}, and the activations are gathered into that order before the dot products.
 */
public final class Int4Matrix implements Matrix {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Byte> BLOCK = ByteVector.SPECIES_128;
    /** Bytes loaded per float vector of a block's low (and high) nibbles: {@link Vectors#LANES}, at least 8. */
    private static final VectorSpecies<Byte> NIBBLE_PAIRS = ByteVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.max(64, 8 * LANES)));
    /** The lanes of a {@link #NIBBLE_PAIRS} load that one float vector widens. */
    private static final VectorMask<Byte> BLOCK_END = NIBBLE_PAIRS.indexInRange(0, LANES);
    private static final int BLOCK_WEIGHTS = 32;
    private static final int HALF = 16;
    private static final int BLOCK_BYTES = 16;
    /** Float vectors per 16 nibbles: 4, 2 or 1 at 128, 256 or 512 bits. */
    private static final int PARTS = HALF / LANES;

    /** The number format of the group scales and minima. */
    public enum PairType {
        F32(4), BF16(2);

        private final int bytes;

        PairType(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes of one scale or min. */
        public int bytes() {
            return bytes;
        }
    }

    /** Fills one row of a matrix being packed, in input-column order. */
    @FunctionalInterface
    public interface RowSource {
        /**
         * Writes row {@code r}: {@code q[c]} (0..15) for every input column {@code c}, and {@code scales[g]},
         * {@code mins[g]} for every group {@code g} (the group of column {@code c} is {@code c / groupSize}, or the
         * group whose columns {@code columnOrder} lists at positions {@code [g·groupSize, (g+1)·groupSize)}), each a
         * value of the matrix's {@link PairType}.
         */
        void row(int r, byte[] q, float[] scales, float[] mins);
    }

    private final MemorySegment nibbles;
    private final MemorySegment scales;
    private final MemorySegment mins;
    private final PairType pairType;
    private final int rows;
    private final int cols;
    private final int groupSize;
    private final int groups;
    private final int[] columnOrder;
    private final long rowBytes;

    private Int4Matrix(MemorySegment nibbles, MemorySegment scales, MemorySegment mins, PairType pairType, int rows,
                       int cols, int groupSize, int[] columnOrder) {
        checkShape(cols, groupSize, columnOrder);
        long nibbleBytes = nibbleBytes(rows, cols), pairBytes = pairBytes(rows, cols, groupSize, pairType);
        if (nibbles.byteSize() != nibbleBytes || scales.byteSize() != pairBytes || mins.byteSize() != pairBytes) {
            throw new IllegalArgumentException("Int4 matrix " + rows + "x" + cols + " in groups of " + groupSize
                    + " needs " + nibbleBytes + " bytes of nibbles and " + pairBytes + " each of " + pairType
                    + " scales and mins, segments have " + nibbles.byteSize() + ", " + scales.byteSize() + " and "
                    + mins.byteSize());
        }
        this.nibbles = nibbles;
        this.scales = scales;
        this.mins = mins;
        this.pairType = pairType;
        this.rows = rows;
        this.cols = cols;
        this.groupSize = groupSize;
        this.groups = cols / groupSize;
        this.columnOrder = columnOrder == null ? null : columnOrder.clone();
        this.rowBytes = rowBytes(cols);
    }

    private static void checkShape(int cols, int groupSize, int[] columnOrder) {
        if (groupSize != HALF && (groupSize < BLOCK_WEIGHTS || groupSize % BLOCK_WEIGHTS != 0)) {
            throw new IllegalArgumentException("Int4 group size must be 16 or a multiple of 32, not " + groupSize);
        }
        if (cols % groupSize != 0) {
            throw new IllegalArgumentException("Int4 matrix width " + cols + " is not a multiple of its group size " + groupSize);
        }
        if (columnOrder != null) {
            boolean[] seen = new boolean[cols];
            for (int c : columnOrder) {
                if (columnOrder.length != cols || c < 0 || c >= cols || seen[c]) {
                    throw new IllegalArgumentException("column order of " + columnOrder.length
                            + " entries is not a permutation of " + cols + " columns");
                }
                seen[c] = true;
            }
        }
    }

    private static long rowBytes(int cols) {
        return (long) (cols + BLOCK_WEIGHTS - 1) / BLOCK_WEIGHTS * BLOCK_BYTES;
    }

    /** Bytes of the nibbles region: {@code rows × ceil(cols / 32) × 16}. */
    public static long nibbleBytes(int rows, int cols) {
        return rows * rowBytes(cols);
    }

    private static long pairBytes(int rows, int cols, int groupSize, PairType pairType) {
        return (long) pairType.bytes() * rows * (cols / groupSize);
    }

    /** Bytes the layout takes, nibbles, scales and mins. */
    public static long byteSize(int rows, int cols, int groupSize, PairType pairType) {
        checkShape(cols, groupSize, null);
        return nibbleBytes(rows, cols) + 2 * pairBytes(rows, cols, groupSize, pairType);
    }

    /**
     * Reads a matrix already in this layout from its three regions (for example tensors of a checkpoint Glint wrote
     * from {@link #nibbles()}, {@link #scales()} and {@link #mins()}), with no repacking. {@code columnOrder} is null
     * when every column's group is {@code column / groupSize}.
     */
    public static Int4Matrix of(MemorySegment nibbles, MemorySegment scales, MemorySegment mins, PairType pairType,
                                int rows, int cols, int groupSize, int[] columnOrder) {
        return new Int4Matrix(nibbles, scales, mins, pairType, rows, cols, groupSize, columnOrder);
    }

    /**
     * Packs {@code rows} rows from {@code source} into memory of {@code arena}, its scales and mins as
     * {@code pairType}. {@code columnOrder} is null when every column's group is {@code column / groupSize}.
     */
    public static Int4Matrix pack(Arena arena, PairType pairType, int rows, int cols, int groupSize, int[] columnOrder,
                                  RowSource source) {
        checkShape(cols, groupSize, columnOrder);
        long pairBytes = pairBytes(rows, cols, groupSize, pairType);
        Int4Matrix m = new Int4Matrix(arena.allocate(nibbleBytes(rows, cols), 64), arena.allocate(pairBytes, 64),
                arena.allocate(pairBytes, 64), pairType, rows, cols, groupSize, columnOrder);
        byte[] q = new byte[cols];
        float[] scales = new float[cols / groupSize];
        float[] mins = new float[cols / groupSize];
        for (int r = 0; r < rows; r++) {
            source.row(r, q, scales, mins);
            m.writeRow(r, q, scales, mins);
        }
        return m;
    }

    private void writeRow(int r, byte[] q, float[] rowScales, float[] rowMins) {
        for (int g = 0; g < groups; g++) {
            setPair(scales, r, g, rowScales[g]);
            setPair(mins, r, g, rowMins[g]);
        }
        long block = r * rowBytes;
        for (int c = 0; c < cols; c += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            for (int j = 0; j < HALF; j++) {
                int high = c + HALF + j < cols ? nibble(q, r, c + HALF + j) : 0;
                nibbles.set(ValueLayout.JAVA_BYTE, block + j, (byte) (nibble(q, r, c + j) | high << 4));
            }
        }
    }

    private int nibble(byte[] q, int r, int position) {
        int value = q[columnOrder == null ? position : columnOrder[position]];
        if (value < 0 || value > 15) {
            throw new IllegalArgumentException("Int4 value " + value + " in row " + r + ", column "
                    + (columnOrder == null ? position : columnOrder[position]) + " is not in 0..15");
        }
        return value;
    }

    /** Byte offset of group {@code g}'s scale in {@code scales}, and of its min in {@code mins}. */
    private long pairOffset(int r, int g) {
        return (long) pairType.bytes() * ((long) r * groups + g);
    }

    private float pair(MemorySegment region, int r, int g) {
        return pairType == PairType.F32 ? region.get(FLOAT, pairOffset(r, g))
                : Vectors.bf16(region.get(BF16, pairOffset(r, g)));
    }

    private void setPair(MemorySegment region, int r, int g, float value) {
        if (pairType == PairType.F32) {
            region.set(FLOAT, pairOffset(r, g), value);
            return;
        }
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0xFFFF) != 0) {
            throw new IllegalArgumentException("Int4 row " + r + ", group " + g + ": " + value + " is not a BF16 value");
        }
        region.set(BF16, pairOffset(r, g), (short) (bits >>> 16));
    }

    /**
     * {@link Vectors#LANES} pairs at byte {@code at} of {@code region} as floats into {@code dst[g, g + LANES)}. The
     * vectors stay inside this method: returning one from a helper that C2 did not inline (as happened to
     * {@link Vectors#bf16(MemorySegment, long)} here) allocates it on every call.
     */
    private void widenInto(MemorySegment region, long at, float[] dst, int g) {
        if (pairType == PairType.F32) {
            FloatVector.fromMemorySegment(F32, region, at, ByteOrder.LITTLE_ENDIAN).intoArray(dst, g);
        } else {
            ShortVector halves = ShortVector.fromMemorySegment(Vectors.I16, region, at, ByteOrder.LITTLE_ENDIAN);
            ((IntVector) halves.convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().intoArray(dst, g);
        }
    }

    /**
     * Row {@code r}'s scales and mins as floats in {@code rowScales} and {@code rowMins}, whose entries past the
     * row's groups stay zero. A row whose groups are not a whole number of vectors ends with a vector that overlaps
     * the one before: element by element, that tail made the whole kernel up to three times slower.
     */
    private void widenPairs(int r, float[] rowScales, float[] rowMins) {
        long row = pairOffset(r, 0);
        if (groups < LANES) {
            for (int g = 0; g < groups; g++) {
                rowScales[g] = pair(scales, r, g);
                rowMins[g] = pair(mins, r, g);
            }
            return;
        }
        for (int g = 0; g < groups; g += LANES) {
            int start = Math.min(g, groups - LANES);
            long at = row + (long) pairType.bytes() * start;
            widenInto(scales, at, rowScales, start);
            widenInto(mins, at, rowMins, start);
        }
    }

    /** The weight at packed position {@code position} of row {@code r}, straight from the layout's definition. */
    private float weightScalar(int r, int position) {
        long at = r * rowBytes + (long) position / BLOCK_WEIGHTS * BLOCK_BYTES + position % HALF;
        int packed = nibbles.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
        int q = position % BLOCK_WEIGHTS < HALF ? packed & 0xF : packed >>> 4;
        int g = position / groupSize;
        return Math.fma(q, pair(scales, r, g), pair(mins, r, g));
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    public int groupSize() {
        return groupSize;
    }

    public PairType pairType() {
        return pairType;
    }

    /** The nibbles region of the layout, for writing it out. */
    public MemorySegment nibbles() {
        return nibbles;
    }

    /** The scales region of the layout, for writing it out. */
    public MemorySegment scales() {
        return scales;
    }

    /** The mins region of the layout, for writing it out. */
    public MemorySegment mins() {
        return mins;
    }

    /**
     * Each group's {@code Σ (q · scale + min) · x} is computed as {@code scale · Σ q · x + min · Σ x}, with the
     * {@code Σ x} of every group taken once per call: the loop over weights is then one multiply-add each, the scale is
     * applied once per group, and the mins make one vector dot product per row.
     */
    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        float[] ordered = inPackedOrder(x);
        float[] groupSums = groupSums(ordered);
        float[] rowScales = new float[groupSums.length];
        float[] rowMins = new float[groupSums.length];
        for (int r = from; r < to; r++) {
            widenPairs(r, rowScales, rowMins);
            float scaled = groupSize == HALF ? dotRowPairedGroups(r, ordered, rowScales) : dotRow(r, ordered, rowScales);
            out[r] = scaled + minTerms(rowMins, groupSums);
        }
    }

    private float[] inPackedOrder(float[] x) {
        if (columnOrder == null) {
            return x;
        }
        float[] ordered = new float[cols];
        for (int j = 0; j < cols; j++) {
            ordered[j] = x[columnOrder[j]];
        }
        return ordered;
    }

    /**
     * {@code Σ x} over each group's packed positions (a group is a multiple of 16 long, so of every vector width),
     * padded with zeros to a whole number of vectors.
     */
    private float[] groupSums(float[] x) {
        float[] sums = new float[(groups + LANES - 1) / LANES * LANES];
        for (int g = 0; g < groups; g++) {
            FloatVector sum = FloatVector.zero(F32);
            for (int c = g * groupSize; c < (g + 1) * groupSize; c += LANES) {
                sum = sum.add(FloatVector.fromArray(F32, x, c));
            }
            sums[g] = sum.reduceLanes(VectorOperators.ADD);
        }
        return sums;
    }

    /** {@code acc + Σ q · x} over the 16 weights of {@code nibbles}, against {@code x[at, at+16)}. */
    private static FloatVector dotHalf(ByteVector nibbles, float[] x, int at, FloatVector acc) {
        for (int p = 0; p < PARTS; p++) {
            FloatVector q = (FloatVector) nibbles.convertShape(VectorOperators.B2F, F32, p);
            acc = q.fma(FloatVector.fromArray(F32, x, at + p * LANES), acc);
        }
        return acc;
    }

    /**
     * {@code Σ q · x} over the 32 weights of the block at byte {@code at}, against {@code x[c, c+32)}, as a vector of
     * lane sums. Each step loads as many bytes as a float vector has lanes (at 128 bits, where no byte vector is that
     * narrow, 8 bytes, the last 4 of the last step unused and masked off at the end of the nibbles) and zero-extends
     * them to int lanes, where they split into nibbles with an and and a shift: x86 has no byte shift, and widening
     * a later part of a wider load, rather than loading at its offset, fell out of C2's intrinsics. The low and high
     * halves are a multiply and a multiply-add, not two chained multiply-adds, so consecutive blocks do not wait on
     * each other.
     */
    private FloatVector dotBlock(long at, float[] x, int c) {
        FloatVector sum = FloatVector.zero(F32);
        for (int j = 0; j < HALF; j += LANES) {
            ByteVector packed = j + NIBBLE_PAIRS.length() <= HALF || at + j + NIBBLE_PAIRS.length() <= nibbles.byteSize()
                    ? ByteVector.fromMemorySegment(NIBBLE_PAIRS, nibbles, at + j, ByteOrder.LITTLE_ENDIAN)
                    : ByteVector.fromMemorySegment(NIBBLE_PAIRS, nibbles, at + j, ByteOrder.LITTLE_ENDIAN, BLOCK_END);
            IntVector bytes = (IntVector) packed.convertShape(VectorOperators.ZERO_EXTEND_B2I, I32, 0);
            FloatVector low = (FloatVector) bytes.and(0xF).convert(VectorOperators.I2F, 0);
            FloatVector high = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
            FloatVector part = low.fma(FloatVector.fromArray(F32, x, c + j), high.mul(FloatVector.fromArray(F32, x, c + HALF + j)));
            sum = j == 0 ? part : sum.add(part);
        }
        return sum;
    }

    /**
     * A row's {@code Σ min · Σ x}, a vector of groups at a time (both arrays are zero past the row's groups). It is
     * reduced on its own rather than in the lanes of the row's other sums: a method taking a vector that C2 does not
     * inline boxes it, and this one passed C2's inlining node limit.
     */
    private static float minTerms(float[] rowMins, float[] groupSums) {
        FloatVector acc = FloatVector.zero(F32);
        for (int g = 0; g < groupSums.length; g += LANES) {
            acc = FloatVector.fromArray(F32, rowMins, g).fma(FloatVector.fromArray(F32, groupSums, g), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@code Σ scale · Σ q · x} over row {@code r}'s groups, one row at a time: the row's nibbles stream from memory
     * in one sequential run, which measured faster than two rows sharing their activation loads (four rows passed
     * C2's inlining node limit and boxed). The loops count groups in an int, which lets C2 drop the bounds checks of
     * the segment reads.
     */
    private float dotRow(int r, float[] x, float[] rowScales) {
        return groupSize == BLOCK_WEIGHTS ? dotRowOneBlockGroups(r, x, rowScales) : dotRowManyBlockGroups(r, x, rowScales);
    }

    /**
     * Groups of one block: two groups per iteration into two accumulators, so the scaling multiply-add of one group
     * need not wait for the previous group's (that chain, not the arithmetic, bounded the one-accumulator loop).
     */
    private float dotRowOneBlockGroups(int r, float[] x, float[] rowScales) {
        long row = r * rowBytes;
        FloatVector even = FloatVector.zero(F32);
        FloatVector odd = FloatVector.zero(F32);
        int g = 0;
        for (; g + 2 <= groups; g += 2) {
            even = dotBlock(row + (long) g * BLOCK_BYTES, x, g * BLOCK_WEIGHTS).fma(scaleAt(rowScales, g), even);
            odd = dotBlock(row + (long) (g + 1) * BLOCK_BYTES, x, (g + 1) * BLOCK_WEIGHTS).fma(scaleAt(rowScales, g + 1), odd);
        }
        if (g < groups) {
            even = dotBlock(row + (long) g * BLOCK_BYTES, x, g * BLOCK_WEIGHTS).fma(scaleAt(rowScales, g), even);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    /** Groups of several blocks: the blocks of a group summed, then scaled once. */
    private float dotRowManyBlockGroups(int r, float[] x, float[] rowScales) {
        long row = r * rowBytes;
        int blocksPerGroup = groupSize / BLOCK_WEIGHTS;
        FloatVector acc = FloatVector.zero(F32);
        for (int g = 0; g < groups; g++) {
            long group = row + (long) g * blocksPerGroup * BLOCK_BYTES;
            int c = g * groupSize;
            FloatVector part = dotBlock(group, x, c);
            for (int b = 1; b < blocksPerGroup; b++) {
                part = part.add(dotBlock(group + (long) b * BLOCK_BYTES, x, c + b * BLOCK_WEIGHTS));
            }
            acc = part.fma(scaleAt(rowScales, g), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Group {@code g}'s scale in every lane. */
    private static FloatVector scaleAt(float[] rowScales, int g) {
        return FloatVector.broadcast(F32, rowScales[g]);
    }

    /** Group 16: each block's low nibbles are one group and its high nibbles the next. */
    private float dotRowPairedGroups(int r, float[] x, float[] rowScales) {
        long block = r * rowBytes;
        FloatVector acc = FloatVector.zero(F32);
        for (int g = 0, c = 0; c < cols; g += 2, c += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            ByteVector packed = ByteVector.fromMemorySegment(BLOCK, nibbles, block, ByteOrder.LITTLE_ENDIAN);
            acc = dotHalf(packed.and((byte) 0xF), x, c, FloatVector.zero(F32)).fma(scaleAt(rowScales, g), acc);
            if (c + HALF < cols) {
                acc = dotHalf(packed.lanewise(VectorOperators.LSHR, 4), x, c + HALF, FloatVector.zero(F32))
                        .fma(scaleAt(rowScales, g + 1), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void matVecScalar(float[] x, float[] out, int from, int to) {
        for (int r = from; r < to; r++) {
            float sum = 0f;
            for (int j = 0; j < cols; j++) {
                sum += weightScalar(r, j) * x[columnOrder == null ? j : columnOrder[j]];
            }
            out[r] = sum;
        }
    }

    @Override
    public void loadRow(int r, float[] dst) {
        float[] packed = columnOrder == null ? dst : new float[cols];
        long block = r * rowBytes;
        for (int c = 0; c < cols; c += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            ByteVector bytes = ByteVector.fromMemorySegment(BLOCK, nibbles, block, ByteOrder.LITTLE_ENDIAN);
            int low = c / groupSize;
            decodeHalf(bytes.and((byte) 0xF), pair(scales, r, low), pair(mins, r, low), packed, c);
            if (c + HALF < cols) {
                int high = (c + HALF) / groupSize;
                decodeHalf(bytes.lanewise(VectorOperators.LSHR, 4), pair(scales, r, high), pair(mins, r, high),
                        packed, c + HALF);
            }
        }
        if (columnOrder != null) {
            for (int j = 0; j < cols; j++) {
                dst[columnOrder[j]] = packed[j];
            }
        }
    }

    private static void decodeHalf(ByteVector nibbles, float scale, float min, float[] dst, int at) {
        for (int p = 0; p < PARTS; p++) {
            ((FloatVector) nibbles.convertShape(VectorOperators.B2F, F32, p)).fma(scale, min).intoArray(dst, at + p * LANES);
        }
    }

    @Override
    public void loadRowScalar(int r, float[] dst) {
        for (int j = 0; j < cols; j++) {
            dst[columnOrder == null ? j : columnOrder[j]] = weightScalar(r, j);
        }
    }

    @Override
    public List<MemorySegment> memory() {
        return List.of(nibbles, scales, mins);
    }
}
