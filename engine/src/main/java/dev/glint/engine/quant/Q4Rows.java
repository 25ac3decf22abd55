package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.kernels.Int4Matrix;
import dev.glint.kernels.Int4TileMatrix;
import dev.glint.kernels.Matrix;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * Glint's q4: asymmetric 4-bit in groups of 32 weights of a row (16 where the width is not a multiple of 32),
 * {@code W = q · scale + min} with the group's minimum rounded down to BF16 and {@code scale = (max − min) / 15} rounded
 * up, so every group spans its weights with all 16 levels (llama.cpp's Q4_1, there with F16 pairs).
 * {@code X.weight_q4} U8, {@code X.weight_q4_scale} and {@code X.weight_q4_min} BF16 hold the three regions of the
 * matrix's layout byte for byte: with groups of 32, {@link Int4TileMatrix}'s tiles of 32 rows
 * ({@code [tiles, blocks × 512]} and {@code [tiles, blocks × 32]}), which its integer kernel reads; with groups of 16,
 * {@link Int4Matrix}'s rows ({@code [rows, bytes per row]} and {@code [rows, groups]}).
 */
final class Q4Rows {
    static final String NIBBLES = "weight_q4";
    static final String SCALES = "weight_q4_scale";
    static final String MINS = "weight_q4_min";
    private static final int LEVELS = 15;

    private Q4Rows() {
    }

    /** 32, else 16 for a width that is a multiple of 16 only, else 0: such a matrix stays in float. */
    static int groupSize(int cols) {
        return cols % 32 == 0 ? 32 : cols % 16 == 0 ? 16 : 0;
    }

    static Quantized quantize(FloatRows source, Arena arena) {
        int rows = source.rows(), cols = source.cols();
        int groupSize = groupSize(cols);
        float[] row = new float[cols];
        Int4Matrix.RowSource rowSource = (r, q, scales, mins) -> {
            source.loadRow(r, row);
            Quantized.requireFinite(row, r);
            for (int g = 0; g < scales.length; g++) {
                quantizeGroup(row, g * groupSize, groupSize, q, scales, mins, g);
            }
        };
        if (groupSize == Int4TileMatrix.GROUP) {
            Int4TileMatrix matrix = Int4TileMatrix.pack(arena, rows, cols, rowSource);
            return new Quantized(matrix, layout(rows, cols), matrix.nibbles(), matrix.scales(), matrix.mins());
        }
        Int4Matrix matrix = Int4Matrix.pack(arena, Int4Matrix.PairType.BF16, rows, cols, groupSize, null, rowSource);
        return new Quantized(matrix, layout(rows, cols), matrix.nibbles(), matrix.scales(), matrix.mins());
    }

    /** Groups of 32 are stored as {@link Int4TileMatrix}'s tiles of 32 rows, one tile a row of each tensor. */
    static List<Quantized.Layout> layout(int rows, int cols) {
        int groupSize = groupSize(cols);
        if (groupSize == Int4TileMatrix.GROUP) {
            int tiles = Int4TileMatrix.tiles(rows);
            long pairsPerTile = Int4TileMatrix.pairBytes(rows, cols) / 2 / tiles;
            return List.of(new Quantized.Layout(NIBBLES, DType.U8, tiles, Int4TileMatrix.nibbleBytes(rows, cols) / tiles),
                    new Quantized.Layout(SCALES, DType.BF16, tiles, pairsPerTile),
                    new Quantized.Layout(MINS, DType.BF16, tiles, pairsPerTile));
        }
        return List.of(new Quantized.Layout(NIBBLES, DType.U8, rows, Int4Matrix.nibbleBytes(rows, cols) / rows),
                new Quantized.Layout(SCALES, DType.BF16, rows, cols / groupSize),
                new Quantized.Layout(MINS, DType.BF16, rows, cols / groupSize));
    }

    private static void quantizeGroup(float[] row, int start, int length, byte[] q, float[] scales, float[] mins, int g) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int c = start; c < start + length; c++) {
            min = Math.min(min, row[c]);
            max = Math.max(max, row[c]);
        }
        min = bf16Below(min);
        float scale = bf16Above((max - min) / LEVELS);
        scales[g] = scale;
        mins[g] = min;
        for (int c = start; c < start + length; c++) {
            q[c] = (byte) (scale == 0f ? 0 : Math.clamp(Math.round((row[c] - min) / scale), 0, LEVELS));
        }
    }

    /** The largest BF16 value at most {@code v}. */
    private static float bf16Below(float v) {
        int bits = Float.floatToRawIntBits(v), truncated = bits & 0xFFFF_0000;
        return truncated == bits ? v : Float.intBitsToFloat(v > 0 ? truncated : truncated + 0x1_0000);
    }

    /** The smallest BF16 value at least {@code v ≥ 0}. */
    private static float bf16Above(float v) {
        int bits = Float.floatToRawIntBits(v), truncated = bits & 0xFFFF_0000;
        return truncated == bits ? v : Float.intBitsToFloat(truncated + 0x1_0000);
    }

    /** Reads {@code X.weight_q4} in place. */
    static Matrix read(Module m) {
        int groupSize = groupSize(m.cols());
        if (groupSize == Int4TileMatrix.GROUP) {
            return readTiles(m);
        }
        int rows = m.rows(), groups = m.cols() / groupSize;
        Tensor nibbles = Tensors.requireDType(m.require(NIBBLES, "the packed 4-bit weights", rows,
                Int4Matrix.nibbleBytes(rows, m.cols()) / rows), "packed 4-bit weights", DType.U8);
        Tensor scales = Tensors.requireFiniteHalves(Tensors.requireDType(
                m.require(SCALES, "the 4-bit weights' group scales", rows, groups), "BF16 group scales", DType.BF16));
        Tensor mins = Tensors.requireFiniteHalves(Tensors.requireDType(
                m.require(MINS, "the 4-bit weights' group minima", rows, groups), "BF16 group minima", DType.BF16));
        return Int4Matrix.of(nibbles.data(), scales.data(), mins.data(), Int4Matrix.PairType.BF16, rows, m.cols(), groupSize, null);
    }

    private static Matrix readTiles(Module m) {
        int rows = m.rows(), cols = m.cols(), tiles = Int4TileMatrix.tiles(rows);
        Tensor nibbles = Tensors.requireDType(m.require(NIBBLES, "the packed 4-bit weights", tiles,
                Int4TileMatrix.nibbleBytes(rows, cols) / tiles), "packed 4-bit weights", DType.U8);
        long pairsPerTile = Int4TileMatrix.pairBytes(rows, cols) / 2 / tiles;
        Tensor scales = Tensors.requireFiniteHalves(Tensors.requireDType(
                m.require(SCALES, "the 4-bit weights' group scales", tiles, pairsPerTile), "BF16 group scales", DType.BF16));
        Tensor mins = Tensors.requireFiniteHalves(Tensors.requireDType(
                m.require(MINS, "the 4-bit weights' group minima", tiles, pairsPerTile), "BF16 group minima", DType.BF16));
        return Int4TileMatrix.of(nibbles.data(), scales.data(), mins.data(), rows, cols);
    }
}
