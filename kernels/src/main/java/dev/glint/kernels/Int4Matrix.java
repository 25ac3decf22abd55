package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.I32;
import static dev.glint.kernels.Vectors.LANES;

/**
 * A 4-bit matrix with one (scale, min) pair per group of {@code groupSize} consecutive weights of a row:
 * {@code W = fma(q, scale, min)}, {@code q} unsigned 0..15 (an asymmetric zero point {@code z} is {@code min = −z · scale},
 * a symmetric format has {@code z = 8}). Every Int4 checkpoint format is repacked at load into this one layout, built
 * so that one 16-byte load yields 32 consecutive weights, as in GGUF's Q4_0:
 * <ul>
 *   <li>a row is a run of units; a unit is one group ({@code groupSize} ≥ 32) or two groups of 16;</li>
 *   <li>a unit starts with its groups' F32 (scale, min) pairs, then its blocks of 16 bytes;</li>
 *   <li>byte {@code j} of a block holds weight {@code j} in its low nibble and weight {@code 16 + j} in its high nibble.</li>
 * </ul>
 * With group 16 a row whose length is an odd number of groups ends in a half-used unit.
 * <p>
 * Act-order checkpoints (GPTQ {@code desc_act}, compressed-tensors {@code actorder}) give each input column a group
 * that is not {@code column / groupSize}. Their columns are stored sorted by group: {@code columnOrder[j]} is the input
 * column at packed position {@code j}, and the activations are gathered into that order before the dot products.
 */
public final class Int4Matrix implements Matrix {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Byte> BLOCK = ByteVector.SPECIES_128;
    /** Bytes loaded per float vector of a block's low (and high) nibbles: {@link Vectors#LANES}, at least 8. */
    private static final VectorSpecies<Byte> NIBBLE_PAIRS = ByteVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.max(64, 8 * LANES)));
    /** The lanes of a {@link #NIBBLE_PAIRS} load that one float vector widens. */
    private static final VectorMask<Byte> BLOCK_END = NIBBLE_PAIRS.indexInRange(0, LANES);
    private static final int BLOCK_WEIGHTS = 32;
    private static final int HALF = 16;
    private static final int BLOCK_BYTES = 16;
    private static final int PAIR_BYTES = 8;
    /** Float vectors per 16 nibbles: 4, 2 or 1 at 128, 256 or 512 bits. */
    private static final int PARTS = HALF / LANES;

    /** Fills one row of a matrix being packed, in input-column order. */
    @FunctionalInterface
    public interface RowSource {
        /**
         * Writes row {@code r}: {@code q[c]} (0..15) for every input column {@code c}, and {@code scales[g]},
         * {@code mins[g]} for every group {@code g} (the group of column {@code c} is {@code c / groupSize}, or the
         * group whose columns {@code columnOrder} lists at positions {@code [g·groupSize, (g+1)·groupSize)}).
         */
        void row(int r, byte[] q, float[] scales, float[] mins);
    }

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final int groupSize;
    private final int[] columnOrder;
    private final int groupsPerUnit;
    private final int unitBytes;
    private final long rowBytes;

    private Int4Matrix(MemorySegment data, int rows, int cols, int groupSize, int[] columnOrder) {
        checkShape(cols, groupSize, columnOrder);
        this.groupsPerUnit = groupSize == HALF ? 2 : 1;
        this.unitBytes = groupsPerUnit * PAIR_BYTES + groupSize * groupsPerUnit / 2;
        this.rowBytes = (long) unitsPerRow(cols, groupSize) * unitBytes;
        if (data.byteSize() != rowBytes * rows) {
            throw new IllegalArgumentException("Int4 matrix " + rows + "x" + cols + " in groups of " + groupSize
                    + " needs " + rowBytes * rows + " bytes, segment has " + data.byteSize());
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.groupSize = groupSize;
        this.columnOrder = columnOrder == null ? null : columnOrder.clone();
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

    private static int unitsPerRow(int cols, int groupSize) {
        int unitWeights = Math.max(groupSize, BLOCK_WEIGHTS);
        return (cols + unitWeights - 1) / unitWeights;
    }

    /** Bytes the packed layout takes. */
    public static long byteSize(int rows, int cols, int groupSize) {
        checkShape(cols, groupSize, null);
        int groupsPerUnit = groupSize == HALF ? 2 : 1;
        return (long) rows * unitsPerRow(cols, groupSize) * (groupsPerUnit * PAIR_BYTES + groupSize * groupsPerUnit / 2);
    }

    /**
     * Reads a matrix already in this layout from {@code data} (for example a tensor of a checkpoint Glint wrote from
     * {@link #data()}), with no repacking. {@code columnOrder} is null when every column's group is
     * {@code column / groupSize}.
     */
    public static Int4Matrix of(MemorySegment data, int rows, int cols, int groupSize, int[] columnOrder) {
        return new Int4Matrix(data, rows, cols, groupSize, columnOrder);
    }

    /**
     * Packs {@code rows} rows from {@code source} into memory of {@code arena}. {@code columnOrder} is null when
     * every column's group is {@code column / groupSize}.
     */
    public static Int4Matrix pack(Arena arena, int rows, int cols, int groupSize, int[] columnOrder, RowSource source) {
        MemorySegment data = arena.allocate(byteSize(rows, cols, groupSize), 64);
        Int4Matrix m = new Int4Matrix(data, rows, cols, groupSize, columnOrder);
        byte[] q = new byte[cols];
        float[] scales = new float[cols / groupSize];
        float[] mins = new float[cols / groupSize];
        for (int r = 0; r < rows; r++) {
            source.row(r, q, scales, mins);
            m.writeRow(r, q, scales, mins);
        }
        return m;
    }

    private void writeRow(int r, byte[] q, float[] scales, float[] mins) {
        for (int g = 0; g < scales.length; g++) {
            long pair = pairOffset(r, g * groupSize);
            data.set(FLOAT, pair, scales[g]);
            data.set(FLOAT, pair + 4, mins[g]);
        }
        long unit = r * rowBytes;
        for (int c = 0; c < cols; unit += unitBytes) {
            long block = unit + (long) groupsPerUnit * PAIR_BYTES;
            for (int end = Math.min(cols, c + groupSize * groupsPerUnit); c < end; c += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
                for (int j = 0; j < HALF; j++) {
                    int high = c + HALF + j < cols ? nibble(q, r, c + HALF + j) : 0;
                    data.set(ValueLayout.JAVA_BYTE, block + j, (byte) (nibble(q, r, c + j) | high << 4));
                }
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

    private long unitOffset(int r, int position) {
        return r * rowBytes + (long) (position / (groupSize * groupsPerUnit)) * unitBytes;
    }

    /** The (scale, min) pair of the group holding packed position {@code position}. */
    private long pairOffset(int r, int position) {
        return unitOffset(r, position) + (long) (position / groupSize % groupsPerUnit) * PAIR_BYTES;
    }

    private long byteOffset(int r, int position) {
        int inUnit = position % (groupSize * groupsPerUnit);
        return unitOffset(r, position) + (long) groupsPerUnit * PAIR_BYTES
                + (long) inUnit / BLOCK_WEIGHTS * BLOCK_BYTES + inUnit % HALF;
    }

    /** The weight at packed position {@code position} of row {@code r}, straight from the layout's definition. */
    private float weightScalar(int r, int position) {
        int packed = data.get(ValueLayout.JAVA_BYTE, byteOffset(r, position)) & 0xFF;
        int q = position % BLOCK_WEIGHTS < HALF ? packed & 0xF : packed >>> 4;
        long pair = pairOffset(r, position);
        return Math.fma(q, data.get(FLOAT, pair), data.get(FLOAT, pair + 4));
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

    /** Bytes of the packed layout (data, scales and mins), for traffic accounting. */
    public long byteSize() {
        return data.byteSize();
    }

    /** The packed layout's bytes, for writing it out. */
    public MemorySegment data() {
        return data;
    }

    /**
     * Each group's {@code Σ (q · scale + min) · x} is computed as {@code scale · Σ q · x + min · Σ x}, with the
     * {@code Σ x} of every group taken once per call: the loop over weights is then one multiply-add each, and the
     * (scale, min) pair is applied once per group.
     */
    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        float[] ordered = inPackedOrder(x);
        float[] groupSums = groupSums(ordered);
        for (int r = from; r < to; r++) {
            out[r] = groupSize == HALF ? dotRowPairedGroups(r, ordered, groupSums) : dotRow(r, ordered, groupSums);
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

    /** {@code Σ x} over each group's packed positions (a group is a multiple of 16 long, so of every vector width). */
    private float[] groupSums(float[] x) {
        float[] sums = new float[cols / groupSize];
        for (int g = 0; g < sums.length; g++) {
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
     * narrow, 8 bytes, the last 4 of the last step unused and masked off at the end of the data) and zero-extends
     * them to int lanes, where they split into nibbles with an and and a shift: x86 has no byte shift, and widening
     * a later part of a wider load, rather than loading at its offset, fell out of C2's intrinsics. The low and high halves are a multiply and a multiply-add,
     * not two chained multiply-adds, so consecutive blocks do not wait on each other.
     */
    private FloatVector dotBlock(long at, float[] x, int c) {
        FloatVector sum = FloatVector.zero(F32);
        for (int j = 0; j < HALF; j += LANES) {
            ByteVector packed = j + NIBBLE_PAIRS.length() <= HALF || at + j + NIBBLE_PAIRS.length() <= data.byteSize()
                    ? ByteVector.fromMemorySegment(NIBBLE_PAIRS, data, at + j, ByteOrder.LITTLE_ENDIAN)
                    : ByteVector.fromMemorySegment(NIBBLE_PAIRS, data, at + j, ByteOrder.LITTLE_ENDIAN, BLOCK_END);
            IntVector bytes = (IntVector) packed.convertShape(VectorOperators.ZERO_EXTEND_B2I, I32, 0);
            FloatVector low = (FloatVector) bytes.and(0xF).convert(VectorOperators.I2F, 0);
            FloatVector high = (FloatVector) bytes.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
            FloatVector part = low.fma(FloatVector.fromArray(F32, x, c + j), high.mul(FloatVector.fromArray(F32, x, c + HALF + j)));
            sum = j == 0 ? part : sum.add(part);
        }
        return sum;
    }

    /**
     * One row at a time: rows are contiguous, so the weights stream from memory in one sequential run, which measured
     * faster than two rows sharing their activation loads (four rows passed C2's inlining node limit and boxed). The
     * loops count groups in an int, which lets C2 drop the bounds checks of the segment reads.
     */
    private float dotRow(int r, float[] x, float[] groupSums) {
        return groupSize == BLOCK_WEIGHTS ? dotRowOneBlockGroups(r, x, groupSums) : dotRowManyBlockGroups(r, x, groupSums);
    }

    /**
     * Groups of one block: two groups per iteration into two accumulators, so the scaling multiply-add of one group
     * need not wait for the previous group's (that chain, not the arithmetic, bounded the one-accumulator loop).
     */
    private float dotRowOneBlockGroups(int r, float[] x, float[] groupSums) {
        long row = r * rowBytes;
        int groups = cols / BLOCK_WEIGHTS;
        FloatVector even = FloatVector.zero(F32);
        FloatVector odd = FloatVector.zero(F32);
        float evenMins = 0f;
        float oddMins = 0f;
        int g = 0;
        for (; g + 2 <= groups; g += 2) {
            long unit = row + (long) g * unitBytes;
            long next = unit + unitBytes;
            even = dotBlock(unit + PAIR_BYTES, x, g * BLOCK_WEIGHTS).fma(broadcastAt(unit), even);
            evenMins = Math.fma(data.get(FLOAT, unit + 4), groupSums[g], evenMins);
            odd = dotBlock(next + PAIR_BYTES, x, (g + 1) * BLOCK_WEIGHTS).fma(broadcastAt(next), odd);
            oddMins = Math.fma(data.get(FLOAT, next + 4), groupSums[g + 1], oddMins);
        }
        if (g < groups) {
            long unit = row + (long) g * unitBytes;
            even = dotBlock(unit + PAIR_BYTES, x, g * BLOCK_WEIGHTS).fma(broadcastAt(unit), even);
            evenMins = Math.fma(data.get(FLOAT, unit + 4), groupSums[g], evenMins);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD) + evenMins + oddMins;
    }

    /** Groups of several blocks: the blocks of a group summed, then scaled once. */
    private float dotRowManyBlockGroups(int r, float[] x, float[] groupSums) {
        long row = r * rowBytes;
        int groups = cols / groupSize;
        int blocksPerGroup = groupSize / BLOCK_WEIGHTS;
        FloatVector acc = FloatVector.zero(F32);
        float mins = 0f;
        for (int g = 0; g < groups; g++) {
            long unit = row + (long) g * unitBytes;
            int c = g * groupSize;
            FloatVector part = dotBlock(unit + PAIR_BYTES, x, c);
            for (int b = 1; b < blocksPerGroup; b++) {
                part = part.add(dotBlock(unit + PAIR_BYTES + (long) b * BLOCK_BYTES, x, c + b * BLOCK_WEIGHTS));
            }
            acc = part.fma(broadcastAt(unit), acc);
            mins = Math.fma(data.get(FLOAT, unit + 4), groupSums[g], mins);
        }
        return acc.reduceLanes(VectorOperators.ADD) + mins;
    }

    /** The F32 at byte {@code offset} in every lane. */
    private FloatVector broadcastAt(long offset) {
        return FloatVector.broadcast(F32, data.get(FLOAT, offset));
    }

    /** Group 16: each block's low nibbles are one group and its high nibbles the next. */
    private float dotRowPairedGroups(int r, float[] x, float[] groupSums) {
        long unit = r * rowBytes;
        FloatVector acc = FloatVector.zero(F32);
        float mins = 0f;
        for (int g = 0, c = 0; c < cols; g += 2, c += BLOCK_WEIGHTS, unit += unitBytes) {
            ByteVector packed = ByteVector.fromMemorySegment(BLOCK, data, unit + 2 * PAIR_BYTES, ByteOrder.LITTLE_ENDIAN);
            acc = dotHalf(packed.and((byte) 0xF), x, c, FloatVector.zero(F32)).fma(broadcastAt(unit), acc);
            mins = Math.fma(data.get(FLOAT, unit + 4), groupSums[g], mins);
            if (c + HALF < cols) {
                acc = dotHalf(packed.lanewise(VectorOperators.LSHR, 4), x, c + HALF, FloatVector.zero(F32))
                        .fma(broadcastAt(unit + 8), acc);
                mins = Math.fma(data.get(FLOAT, unit + 12), groupSums[g + 1], mins);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD) + mins;
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
        long unit = r * rowBytes;
        for (int c = 0; c < cols; unit += unitBytes) {
            int pairs = groupsPerUnit;
            long block = unit + (long) pairs * PAIR_BYTES;
            for (int end = Math.min(cols, c + groupSize * pairs); c < end; c += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
                ByteVector bytes = ByteVector.fromMemorySegment(BLOCK, data, block, ByteOrder.LITTLE_ENDIAN);
                long low = pairOffset(r, c);
                decodeHalf(bytes.and((byte) 0xF), data.get(FLOAT, low), data.get(FLOAT, low + 4), packed, c);
                if (c + HALF < cols) {
                    long high = pairOffset(r, c + HALF);
                    decodeHalf(bytes.lanewise(VectorOperators.LSHR, 4), data.get(FLOAT, high), data.get(FLOAT, high + 4),
                            packed, c + HALF);
                }
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
}
