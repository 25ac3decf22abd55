package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
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
 * Glint's q4 in the layout of its integer kernel: {@code W = q · scale + min}, {@code q} unsigned 0..15, one BF16
 * {@code (scale, min)} pair per group of 32 consecutive weights of a row (llama.cpp's Q4_1, with BF16 pairs), stored
 * in tiles of {@value #TILE_ROWS} rows so that each vector lane is one row:
 * <ul>
 *   <li>{@code nibbles}: {@code [tiles][blocks][16 column pairs][32 bytes]}; a byte for row {@code r} of tile
 *       {@code t} in column pair {@code p} of block {@code b} holds {@code W[32t + r][32b + 2p]} in its low nibble and
 *       {@code W[32t + r][32b + 2p + 1]} in its high nibble, and the pair's byte {@code 2i} is row {@code i}, its byte
 *       {@code 2i + 1} row {@code 16 + i};</li>
 *   <li>{@code scales} and {@code mins}: {@code [tiles][blocks][32 rows]}, little-endian BF16.</li>
 * </ul>
 * A matrix whose rows are not a multiple of 32 pads its last tile with zeros.
 * <p>
 * Against {@link Int8Activations} the products are integer. One load of a column pair's bytes, zero-extended to
 * 16-bit lanes, gives each row's two weights; each lane multiplies them by the two columns' int8 activations in 16-bit
 * arithmetic, the even columns of a block summed in one accumulator and the odd in another: 16 products of at most
 * {@code 15 · 127} in magnitude, 30480 &lt; 2¹⁵, so no sum overflows. Per block the two sums widen to int and then
 * float, are scaled by {@code scale · activation scale}, and the block's {@code min · Σx} is added. The widening is
 * why the halves of a tile interleave: read as 32-bit lanes, the sums of rows {@code i} and {@code 16 + i} share one
 * lane, and two shifts split them into two vectors of consecutive rows (a conversion of a vector's upper half, the
 * other way, is not one of C2's intrinsics and allocated on every call). As every lane is
 * a row, no horizontal sum is ever taken: the Vector API has no dot-product instruction, and per-row sums are what
 * made the row-major {@link Int4Matrix} kernel cost more in arithmetic than in memory.
 * <p>
 * Against float activations ({@link #matVec}) the same tiles are widened to float: the exact path, for comparisons
 * with llama.cpp and for {@code glint logits}.
 */
public final class Int4TileMatrix implements Matrix {
    public static final int TILE_ROWS = 32;
    public static final int GROUP = Int8Activations.BLOCK;
    private static final int COLUMN_PAIRS = GROUP / 2;
    private static final int BLOCK_BYTES = TILE_ROWS * COLUMN_PAIRS;
    private static final int LEVELS = 15;
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One row per 16-bit lane: a vector of the preferred width covers {@link #PART_ROWS} rows of a tile. */
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Vectors.BITS));
    /** The bytes of one column pair that one {@link #SHORTS} vector widens. */
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Vectors.BITS / 2));
    /** Rows one vector covers: 32, 16 or 8 at 512, 256 or 128 bits; a tile is 1, 2 or 4 such parts. */
    private static final int PART_ROWS = SHORTS.length();
    private static final int PARTS = TILE_ROWS / PART_ROWS;
    private static final int HALF_TILE = TILE_ROWS / 2;

    private final MemorySegment nibbles;
    private final MemorySegment scales;
    private final MemorySegment mins;
    private final int rows;
    private final int cols;
    private final int blocks;

    private Int4TileMatrix(MemorySegment nibbles, MemorySegment scales, MemorySegment mins, int rows, int cols) {
        checkShape(rows, cols);
        long nibbleBytes = nibbleBytes(rows, cols), pairBytes = pairBytes(rows, cols);
        if (nibbles.byteSize() != nibbleBytes || scales.byteSize() != pairBytes || mins.byteSize() != pairBytes) {
            throw new IllegalArgumentException("Int4 tile matrix " + rows + "x" + cols + " needs " + nibbleBytes
                    + " bytes of nibbles and " + pairBytes + " each of scales and mins, segments have "
                    + nibbles.byteSize() + ", " + scales.byteSize() + " and " + mins.byteSize());
        }
        this.nibbles = nibbles;
        this.scales = scales;
        this.mins = mins;
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / GROUP;
    }

    private static void checkShape(int rows, int cols) {
        if (rows <= 0 || cols <= 0 || cols % GROUP != 0) {
            throw new IllegalArgumentException("an Int4 tile matrix needs rows and a width that is a multiple of "
                    + GROUP + ", not " + rows + "x" + cols);
        }
    }

    /** Tiles of {@value #TILE_ROWS} rows that hold {@code rows} rows, the last one padded. */
    public static int tiles(int rows) {
        return (rows + TILE_ROWS - 1) / TILE_ROWS;
    }

    /** Bytes of the nibbles region: {@code ceil(rows / 32) × cols / 32 × 512}. */
    public static long nibbleBytes(int rows, int cols) {
        checkShape(rows, cols);
        return (long) tiles(rows) * (cols / GROUP) * BLOCK_BYTES;
    }

    /** Bytes of the scales region, and of the mins region: {@code ceil(rows / 32) × cols / 32 × 32 × 2}. */
    public static long pairBytes(int rows, int cols) {
        checkShape(rows, cols);
        return (long) tiles(rows) * (cols / GROUP) * TILE_ROWS * 2;
    }

    /** Reads a matrix already in this layout from its three regions, with no repacking. */
    public static Int4TileMatrix of(MemorySegment nibbles, MemorySegment scales, MemorySegment mins, int rows, int cols) {
        return new Int4TileMatrix(nibbles, scales, mins, rows, cols);
    }

    /**
     * Packs {@code rows} rows from {@code source} (groups of 32, its scales and mins BF16 values) into memory of
     * {@code arena}; padding rows stay zero.
     */
    public static Int4TileMatrix pack(Arena arena, int rows, int cols, Int4Matrix.RowSource source) {
        long pairBytes = pairBytes(rows, cols);
        Int4TileMatrix m = new Int4TileMatrix(arena.allocate(nibbleBytes(rows, cols), 64), arena.allocate(pairBytes, 64),
                arena.allocate(pairBytes, 64), rows, cols);
        byte[] q = new byte[cols];
        float[] rowScales = new float[m.blocks];
        float[] rowMins = new float[m.blocks];
        for (int r = 0; r < rows; r++) {
            source.row(r, q, rowScales, rowMins);
            m.writeRow(r, q, rowScales, rowMins);
        }
        return m;
    }

    private void writeRow(int r, byte[] q, float[] rowScales, float[] rowMins) {
        for (int b = 0; b < blocks; b++) {
            scales.set(BF16, pairOffset(r, b), bf16Bits(rowScales[b], r, b));
            mins.set(BF16, pairOffset(r, b), bf16Bits(rowMins[b], r, b));
            for (int p = 0; p < COLUMN_PAIRS; p++) {
                int c = b * GROUP + 2 * p;
                nibbles.set(ValueLayout.JAVA_BYTE, nibbleOffset(r, c), (byte) (level(q, r, c) | level(q, r, c + 1) << 4));
            }
        }
    }

    private static int level(byte[] q, int r, int c) {
        if (q[c] < 0 || q[c] > LEVELS) {
            throw new IllegalArgumentException("Int4 value " + q[c] + " in row " + r + ", column " + c + " is not in 0..15");
        }
        return q[c];
    }

    private static short bf16Bits(float value, int r, int b) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0xFFFF) != 0) {
            throw new IllegalArgumentException("Int4 row " + r + ", group " + b + ": " + value + " is not a BF16 value");
        }
        return (short) (bits >>> 16);
    }

    /**
     * Byte offset of the byte holding {@code W[r][c]} (low nibble for even {@code c}, high for odd): in each column
     * pair, byte {@code 2i} is row {@code i} of the tile and byte {@code 2i + 1} row {@code 16 + i}.
     */
    private long nibbleOffset(int r, int c) {
        int i = r % TILE_ROWS;
        return ((long) (r / TILE_ROWS) * blocks + c / GROUP) * BLOCK_BYTES + (c % GROUP / 2) * TILE_ROWS
                + (i < HALF_TILE ? 2 * i : 2 * (i - HALF_TILE) + 1);
    }

    /** Byte offset of group {@code b}'s scale of row {@code r} in {@code scales}, and of its min in {@code mins}. */
    private long pairOffset(int r, int b) {
        return (((long) (r / TILE_ROWS) * blocks + b) * TILE_ROWS + r % TILE_ROWS) * 2;
    }

    /** The weight {@code W[r][c]}, straight from the layout's definition. */
    private float weightScalar(int r, int c) {
        int packed = nibbles.get(ValueLayout.JAVA_BYTE, nibbleOffset(r, c)) & 0xFF;
        int q = c % 2 == 0 ? packed & 0xF : packed >>> 4;
        int b = c / GROUP;
        return Math.fma(q, Vectors.bf16(scales.get(BF16, pairOffset(r, b))), Vectors.bf16(mins.get(BF16, pairOffset(r, b))));
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
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

    /** A row's weights in {@code x}'s blocks of {@code Int8Activations}: the widths must agree. */
    private void requireWidth(Int8Activations x) {
        if (x.cols() != cols) {
            throw new IllegalArgumentException("activations of width " + x.cols() + " for a matrix of width " + cols);
        }
    }

    /**
     * {@code out[t][r] = W[r] · x[t]} for rows {@code [from, to)} and each of {@code x}'s tokens, {@code out} row-major
     * {@code [n][rows]}, with integer products. Tiles that the range cuts are computed whole into scratch space;
     * ranges on multiples of 32 rows ({@link MatrixProducts} splits on them) never cut one.
     */
    public void matMul(Int8Activations x, float[] out, int from, int to) {
        requireWidth(x);
        float[] scratch = new float[4 * TILE_ROWS];
        for (int first = from / TILE_ROWS * TILE_ROWS; first < to; first += TILE_ROWS) {
            boolean whole = first >= from && first + TILE_ROWS <= to;
            int t = 0;
            for (; t + 4 <= x.n(); t += 4) {
                for (int p = 0; p < PARTS; p++) {
                    integerPartFourTokens(first, p, x, t, whole ? out : scratch, whole ? t * rows + first : 0,
                            whole ? rows : TILE_ROWS);
                }
                for (int k = 0; k < 4 && !whole; k++) {
                    copyInRange(scratch, k * TILE_ROWS, first, from, to, out, (t + k) * rows);
                }
            }
            for (; t + 2 <= x.n(); t += 2) {
                for (int p = 0; p < PARTS; p++) {
                    integerPartTwoTokens(first, p, x, t, whole ? out : scratch, whole ? t * rows + first : 0,
                            whole ? rows : TILE_ROWS);
                }
                for (int k = 0; k < 2 && !whole; k++) {
                    copyInRange(scratch, k * TILE_ROWS, first, from, to, out, (t + k) * rows);
                }
            }
            for (; t < x.n(); t++) {
                for (int p = 0; p < PARTS; p++) {
                    integerPart(first, p, x, t, whole ? out : scratch, whole ? t * rows + first : 0);
                }
                if (!whole) {
                    copyInRange(scratch, 0, first, from, to, out, t * rows);
                }
            }
        }
    }

    /** Rows {@code [max(first, from), min(first + 32, to))} of a tile computed at {@code tile[at]}, into {@code out}. */
    private static void copyInRange(float[] tile, int at, int first, int from, int to, float[] out, int rowZero) {
        for (int r = Math.max(first, from); r < Math.min(first + TILE_ROWS, to); r++) {
            out[rowZero + r] = tile[at + r - first];
        }
    }

    /**
     * Part {@code p} of the tile of rows {@code [first, first + 32)} against token {@code t} of {@code x}: its rows
     * {@code first + p·LANES + i} and {@code first + 16 + p·LANES + i} ({@code i < LANES}), written at the same offsets
     * from {@code dst[at]}. The loops count blocks and column pairs in ints, which lets C2 drop the bounds checks of
     * the segment reads.
     */
    private void integerPart(int first, int p, Int8Activations x, int t, float[] dst, int at) {
        byte[] q = x.q();
        float[] xScales = x.scales(), xSums = x.sums();
        long nib = nibbleOffset(first, 0) + (long) p * PART_ROWS;
        long lowPairs = pairOffset(first + p * LANES, 0), highPairs = pairOffset(first + HALF_TILE + p * LANES, 0);
        FloatVector low = FloatVector.zero(F32), high = FloatVector.zero(F32);
        for (int b = 0, c = t * cols, xb = t * blocks; b < blocks; b++, c += GROUP, xb++, nib += BLOCK_BYTES,
                lowPairs += 2 * TILE_ROWS, highPairs += 2 * TILE_ROWS) {
            ShortVector even = ShortVector.zero(SHORTS), odd = ShortVector.zero(SHORTS);
            for (int j = 0; j < COLUMN_PAIRS; j++) {
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, nibbles, nib + (long) j * TILE_ROWS,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                even = even.add(w.and((short) 0xF).mul(q[c + 2 * j]));
                odd = odd.add(w.lanewise(VectorOperators.LSHR, 4).mul(q[c + 2 * j + 1]));
            }
            // 32-bit lane i holds row i's sums in its low half and row 16 + i's in its high half; sign-extend each
            IntVector evenPairs = even.reinterpretAsInts(), oddPairs = odd.reinterpretAsInts();
            IntVector lowSums = evenPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            IntVector highSums = evenPairs.lanewise(VectorOperators.ASHR, 16).add(oddPairs.lanewise(VectorOperators.ASHR, 16));
            FloatVector dx = FloatVector.broadcast(F32, xScales[xb]);
            FloatVector sx = FloatVector.broadcast(F32, xSums[xb]);
            FloatVector lowScales = Vectors.bf16(scales, lowPairs);
            FloatVector lowMins = Vectors.bf16(mins, lowPairs);
            FloatVector highScales = Vectors.bf16(scales, highPairs);
            FloatVector highMins = Vectors.bf16(mins, highPairs);
            low = lowMins.fma(sx, ((FloatVector) lowSums.convert(VectorOperators.I2F, 0)).mul(dx).fma(lowScales, low));
            high = highMins.fma(sx, ((FloatVector) highSums.convert(VectorOperators.I2F, 0)).mul(dx).fma(highScales, high));
        }
        low.intoArray(dst, at + p * LANES);
        high.intoArray(dst, at + HALF_TILE + p * LANES);
    }

    /**
     * {@link #integerPart} for tokens {@code t} to {@code t + 3}, token {@code k}'s rows written from
     * {@code dst[at + k · stride]}: each column pair's nibbles are loaded and split once for the four tokens, which
     * is what makes prefill cheaper per token than decode. Every step is written out in place: with helpers for
     * the sums, which C2 did not inline here, each returned vector was boxed and prefill ran 7 times slower.
     */
    private void integerPartFourTokens(int first, int p, Int8Activations x, int t, float[] dst, int at, int stride) {
        byte[] q = x.q();
        float[] xScales = x.scales(), xSums = x.sums();
        long nib = nibbleOffset(first, 0) + (long) p * PART_ROWS;
        long lowPairs = pairOffset(first + p * LANES, 0), highPairs = pairOffset(first + HALF_TILE + p * LANES, 0);
        FloatVector low0 = FloatVector.zero(F32), high0 = FloatVector.zero(F32), low1 = FloatVector.zero(F32), high1 = FloatVector.zero(F32);
        FloatVector low2 = FloatVector.zero(F32), high2 = FloatVector.zero(F32), low3 = FloatVector.zero(F32), high3 = FloatVector.zero(F32);
        for (int b = 0, c = t * cols, xb = t * blocks; b < blocks; b++, c += GROUP, xb++, nib += BLOCK_BYTES,
                lowPairs += 2 * TILE_ROWS, highPairs += 2 * TILE_ROWS) {
            ShortVector even0 = ShortVector.zero(SHORTS), odd0 = ShortVector.zero(SHORTS);
            ShortVector even1 = ShortVector.zero(SHORTS), odd1 = ShortVector.zero(SHORTS);
            ShortVector even2 = ShortVector.zero(SHORTS), odd2 = ShortVector.zero(SHORTS);
            ShortVector even3 = ShortVector.zero(SHORTS), odd3 = ShortVector.zero(SHORTS);
            for (int j = 0, c0 = c, c1 = c + cols, c2 = c1 + cols, c3 = c2 + cols; j < COLUMN_PAIRS; j++, c0 += 2, c1 += 2,
                    c2 += 2, c3 += 2) {
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, nibbles, nib + (long) j * TILE_ROWS,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                ShortVector evenColumn = w.and((short) 0xF), oddColumn = w.lanewise(VectorOperators.LSHR, 4);
                even0 = even0.add(evenColumn.mul(q[c0]));
                odd0 = odd0.add(oddColumn.mul(q[c0 + 1]));
                even1 = even1.add(evenColumn.mul(q[c1]));
                odd1 = odd1.add(oddColumn.mul(q[c1 + 1]));
                even2 = even2.add(evenColumn.mul(q[c2]));
                odd2 = odd2.add(oddColumn.mul(q[c2 + 1]));
                even3 = even3.add(evenColumn.mul(q[c3]));
                odd3 = odd3.add(oddColumn.mul(q[c3 + 1]));
            }
            // BF16 widened in place: through Vectors.bf16, which C2 does not inline into this large method, prefill ran 13% slower
            FloatVector lowScales = ((IntVector) ShortVector.fromMemorySegment(Vectors.I16, scales, lowPairs, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector lowMins = ((IntVector) ShortVector.fromMemorySegment(Vectors.I16, mins, lowPairs, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector highScales = ((IntVector) ShortVector.fromMemorySegment(Vectors.I16, scales, highPairs, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector highMins = ((IntVector) ShortVector.fromMemorySegment(Vectors.I16, mins, highPairs, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            int xb1 = xb + blocks, xb2 = xb1 + blocks, xb3 = xb2 + blocks;
            IntVector evenPairs0 = even0.reinterpretAsInts(), oddPairs0 = odd0.reinterpretAsInts();
            FloatVector sums0 = FloatVector.broadcast(F32, xSums[xb]);
            low0 = lowMins.fma(sums0, ((FloatVector) evenPairs0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).mul(xScales[xb]).fma(lowScales, low0));
            high0 = highMins.fma(sums0, ((FloatVector) evenPairs0.lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs0.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .mul(xScales[xb]).fma(highScales, high0));
            IntVector evenPairs1 = even1.reinterpretAsInts(), oddPairs1 = odd1.reinterpretAsInts();
            FloatVector sums1 = FloatVector.broadcast(F32, xSums[xb1]);
            low1 = lowMins.fma(sums1, ((FloatVector) evenPairs1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).mul(xScales[xb1]).fma(lowScales, low1));
            high1 = highMins.fma(sums1, ((FloatVector) evenPairs1.lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs1.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .mul(xScales[xb1]).fma(highScales, high1));
            IntVector evenPairs2 = even2.reinterpretAsInts(), oddPairs2 = odd2.reinterpretAsInts();
            FloatVector sums2 = FloatVector.broadcast(F32, xSums[xb2]);
            low2 = lowMins.fma(sums2, ((FloatVector) evenPairs2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).mul(xScales[xb2]).fma(lowScales, low2));
            high2 = highMins.fma(sums2, ((FloatVector) evenPairs2.lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs2.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .mul(xScales[xb2]).fma(highScales, high2));
            IntVector evenPairs3 = even3.reinterpretAsInts(), oddPairs3 = odd3.reinterpretAsInts();
            FloatVector sums3 = FloatVector.broadcast(F32, xSums[xb3]);
            low3 = lowMins.fma(sums3, ((FloatVector) evenPairs3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).mul(xScales[xb3]).fma(lowScales, low3));
            high3 = highMins.fma(sums3, ((FloatVector) evenPairs3.lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs3.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .mul(xScales[xb3]).fma(highScales, high3));
        }
        int low = at + p * LANES, high = at + HALF_TILE + p * LANES;
        low0.intoArray(dst, low);
        high0.intoArray(dst, high);
        low1.intoArray(dst, low + stride);
        high1.intoArray(dst, high + stride);
        low2.intoArray(dst, low + 2 * stride);
        high2.intoArray(dst, high + 2 * stride);
        low3.intoArray(dst, low + 3 * stride);
        high3.intoArray(dst, high + 3 * stride);
    }

    /**
     * {@link #integerPartFourTokens} for the two tokens {@code t} and {@code t + 1}: the few tokens of a verify step
     * or of an expert that a handful of decoding sequences chose share each load and split of a column pair. Written
     * out in place for the reason given there; the four-token kernel run with two tokens would do twice the arithmetic.
     */
    private void integerPartTwoTokens(int first, int p, Int8Activations x, int t, float[] dst, int at, int stride) {
        byte[] q = x.q();
        float[] xScales = x.scales(), xSums = x.sums();
        long nib = nibbleOffset(first, 0) + (long) p * PART_ROWS;
        long lowPairs = pairOffset(first + p * LANES, 0), highPairs = pairOffset(first + HALF_TILE + p * LANES, 0);
        FloatVector low0 = FloatVector.zero(F32), high0 = FloatVector.zero(F32), low1 = FloatVector.zero(F32), high1 = FloatVector.zero(F32);
        for (int b = 0, c = t * cols, xb = t * blocks; b < blocks; b++, c += GROUP, xb++, nib += BLOCK_BYTES,
                lowPairs += 2 * TILE_ROWS, highPairs += 2 * TILE_ROWS) {
            ShortVector even0 = ShortVector.zero(SHORTS), odd0 = ShortVector.zero(SHORTS);
            ShortVector even1 = ShortVector.zero(SHORTS), odd1 = ShortVector.zero(SHORTS);
            for (int j = 0, c0 = c, c1 = c + cols; j < COLUMN_PAIRS; j++, c0 += 2, c1 += 2) {
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, nibbles, nib + (long) j * TILE_ROWS,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                ShortVector evenColumn = w.and((short) 0xF), oddColumn = w.lanewise(VectorOperators.LSHR, 4);
                even0 = even0.add(evenColumn.mul(q[c0]));
                odd0 = odd0.add(oddColumn.mul(q[c0 + 1]));
                even1 = even1.add(evenColumn.mul(q[c1]));
                odd1 = odd1.add(oddColumn.mul(q[c1 + 1]));
            }
            FloatVector lowScales = ((IntVector) ShortVector.fromMemorySegment(Vectors.I16, scales, lowPairs, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector lowMins = ((IntVector) ShortVector.fromMemorySegment(Vectors.I16, mins, lowPairs, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector highScales = ((IntVector) ShortVector.fromMemorySegment(Vectors.I16, scales, highPairs, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector highMins = ((IntVector) ShortVector.fromMemorySegment(Vectors.I16, mins, highPairs, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            int xb1 = xb + blocks;
            IntVector evenPairs0 = even0.reinterpretAsInts(), oddPairs0 = odd0.reinterpretAsInts();
            FloatVector sums0 = FloatVector.broadcast(F32, xSums[xb]);
            low0 = lowMins.fma(sums0, ((FloatVector) evenPairs0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).mul(xScales[xb]).fma(lowScales, low0));
            high0 = highMins.fma(sums0, ((FloatVector) evenPairs0.lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs0.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .mul(xScales[xb]).fma(highScales, high0));
            IntVector evenPairs1 = even1.reinterpretAsInts(), oddPairs1 = odd1.reinterpretAsInts();
            FloatVector sums1 = FloatVector.broadcast(F32, xSums[xb1]);
            low1 = lowMins.fma(sums1, ((FloatVector) evenPairs1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .convert(VectorOperators.I2F, 0)).mul(xScales[xb1]).fma(lowScales, low1));
            high1 = highMins.fma(sums1, ((FloatVector) evenPairs1.lanewise(VectorOperators.ASHR, 16)
                    .add(oddPairs1.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .mul(xScales[xb1]).fma(highScales, high1));
        }
        int low = at + p * LANES, high = at + HALF_TILE + p * LANES;
        low0.intoArray(dst, low);
        high0.intoArray(dst, high);
        low1.intoArray(dst, low + stride);
        high1.intoArray(dst, high + stride);
    }

    /** The integer products' scalar twin: the same sums, each block's integer dot product taken exactly. */
    public void matMulScalar(Int8Activations x, float[] out, int from, int to) {
        requireWidth(x);
        for (int t = 0; t < x.n(); t++) {
            for (int r = from; r < to; r++) {
                float sum = 0f;
                for (int b = 0; b < blocks; b++) {
                    int dot = 0;
                    for (int c = b * GROUP; c < (b + 1) * GROUP; c++) {
                        int packed = nibbles.get(ValueLayout.JAVA_BYTE, nibbleOffset(r, c)) & 0xFF;
                        dot += (c % 2 == 0 ? packed & 0xF : packed >>> 4) * x.q()[t * cols + c];
                    }
                    float scale = Vectors.bf16(scales.get(BF16, pairOffset(r, b)));
                    float min = Vectors.bf16(mins.get(BF16, pairOffset(r, b)));
                    sum = Math.fma(dot * x.scales()[t * blocks + b], scale, sum);
                    sum = Math.fma(min, x.sums()[t * blocks + b], sum);
                }
                out[t * rows + r] = sum;
            }
        }
    }

    /**
     * The exact path: {@code Σ (q · scale + min) · x} as {@code scale · Σ q · x + min · Σ x} per block, every weight
     * widened to float.
     */
    @Override
    public void matVec(float[] x, float[] out, int from, int to) {
        matMul(x, 1, out, from, to);
    }

    /** The exact path for {@code n} tokens, token after token over each tile (its nibbles stay in cache meanwhile). */
    @Override
    public void matMul(float[] x, int n, float[] out, int from, int to) {
        if (x.length < n * cols) {
            throw new IllegalArgumentException("activations of " + x.length + " values for " + n + " tokens of width " + cols);
        }
        float[] blockSums = new float[n * blocks];
        for (int b = 0; b < n * blocks; b++) {
            FloatVector sum = FloatVector.zero(F32);
            for (int c = b * GROUP; c < (b + 1) * GROUP; c += LANES) {
                sum = sum.add(FloatVector.fromArray(F32, x, c));
            }
            blockSums[b] = sum.reduceLanes(VectorOperators.ADD);
        }
        float[] scratch = new float[TILE_ROWS];
        for (int first = from / TILE_ROWS * TILE_ROWS; first < to; first += TILE_ROWS) {
            boolean whole = first >= from && first + TILE_ROWS <= to;
            for (int t = 0; t < n; t++) {
                for (int p = 0; p < PARTS; p++) {
                    floatPart(first, p, x, t, blockSums, whole ? out : scratch, whole ? t * rows + first : 0);
                }
                if (!whole) {
                    copyInRange(scratch, 0, first, from, to, out, t * rows);
                }
            }
        }
    }

    /**
     * {@link #integerPart} with float activations: each 32-bit lane of the widened bytes holds a row of the tile's
     * first half in bits 0–7 and the row 16 further in bits 16–23, each split into its two nibbles.
     */
    private void floatPart(int first, int p, float[] x, int t, float[] blockSums, float[] dst, int at) {
        long nib = nibbleOffset(first, 0) + (long) p * PART_ROWS;
        long lowPairs = pairOffset(first + p * LANES, 0), highPairs = pairOffset(first + HALF_TILE + p * LANES, 0);
        FloatVector low = FloatVector.zero(F32), high = FloatVector.zero(F32);
        for (int b = 0, c = t * cols, xb = t * blocks; b < blocks; b++, c += GROUP, xb++, nib += BLOCK_BYTES,
                lowPairs += 2 * TILE_ROWS, highPairs += 2 * TILE_ROWS) {
            FloatVector lowDot = FloatVector.zero(F32), highDot = FloatVector.zero(F32);
            for (int j = 0; j < COLUMN_PAIRS; j++) {
                IntVector w = ((ShortVector) ByteVector.fromMemorySegment(BYTES, nibbles, nib + (long) j * TILE_ROWS,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0)).reinterpretAsInts();
                FloatVector xEven = FloatVector.broadcast(F32, x[c + 2 * j]), xOdd = FloatVector.broadcast(F32, x[c + 2 * j + 1]);
                lowDot = ((FloatVector) w.and(0xF).convert(VectorOperators.I2F, 0)).fma(xEven, lowDot);
                lowDot = ((FloatVector) w.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(xOdd, lowDot);
                highDot = ((FloatVector) w.lanewise(VectorOperators.LSHR, 16).and(0xF).convert(VectorOperators.I2F, 0)).fma(xEven, highDot);
                highDot = ((FloatVector) w.lanewise(VectorOperators.LSHR, 20).convert(VectorOperators.I2F, 0)).fma(xOdd, highDot);
            }
            FloatVector sx = FloatVector.broadcast(F32, blockSums[xb]);
            FloatVector lowScales = Vectors.bf16(scales, lowPairs);
            FloatVector lowMins = Vectors.bf16(mins, lowPairs);
            FloatVector highScales = Vectors.bf16(scales, highPairs);
            FloatVector highMins = Vectors.bf16(mins, highPairs);
            low = lowMins.fma(sx, lowDot.fma(lowScales, low));
            high = highMins.fma(sx, highDot.fma(highScales, high));
        }
        low.intoArray(dst, at + p * LANES);
        high.intoArray(dst, at + HALF_TILE + p * LANES);
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
        loadRowScalar(r, dst);
    }

    @Override
    public void loadRowScalar(int r, float[] dst) {
        for (int c = 0; c < cols; c++) {
            dst[c] = weightScalar(r, c);
        }
    }

    @Override
    public List<MemorySegment> memory() {
        return List.of(nibbles, scales, mins);
    }
}
