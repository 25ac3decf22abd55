package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.kernels.Int4Matrix;
import dev.glint.kernels.Matrix;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * Glint's q4: asymmetric 4-bit in groups of 32 weights of a row (16 where the width is not a multiple of 32),
 * {@code W = q · scale + min} with the group's minimum and {@code scale = (max − min) / 15}, so every group uses all 16
 * levels (llama.cpp's Q4_1; {@link Int4Matrix} stores a min beside each scale in any case). {@code X.weight_q4} U8
 * {@code [rows, bytes per row]}, {@code X.weight_q4_scale} and {@code X.weight_q4_min} F32 {@code [rows, groups]} hold
 * {@link Int4Matrix}'s three regions byte for byte.
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

    static Quantized quantize(Matrix source, Arena arena) {
        int rows = source.rows(), cols = source.cols();
        int groupSize = groupSize(cols);
        float[] row = new float[cols];
        Int4Matrix matrix = Int4Matrix.pack(arena, rows, cols, groupSize, null, (r, q, scales, mins) -> {
            source.loadRow(r, row);
            Quantized.requireFinite(row, r);
            for (int g = 0; g < scales.length; g++) {
                quantizeGroup(row, g * groupSize, groupSize, q, scales, mins, g);
            }
        });
        long[] pairs = {rows, cols / groupSize};
        return new Quantized(matrix, List.of(
                new Quantized.Part(NIBBLES, DType.U8, new long[]{rows, matrix.nibbles().byteSize() / rows}, matrix.nibbles()),
                new Quantized.Part(SCALES, DType.F32, pairs, matrix.scales()),
                new Quantized.Part(MINS, DType.F32, pairs, matrix.mins())));
    }

    private static void quantizeGroup(float[] row, int start, int length, byte[] q, float[] scales, float[] mins, int g) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int c = start; c < start + length; c++) {
            min = Math.min(min, row[c]);
            max = Math.max(max, row[c]);
        }
        float scale = (max - min) / LEVELS;
        scales[g] = scale;
        mins[g] = min;
        for (int c = start; c < start + length; c++) {
            q[c] = (byte) (scale == 0f ? 0 : Math.clamp(Math.round((row[c] - min) / scale), 0, LEVELS));
        }
    }

    /** Reads {@code X.weight_q4} in place. */
    static Matrix read(Module m) {
        int groupSize = groupSize(m.cols());
        int rows = m.rows(), groups = m.cols() / groupSize;
        Tensor nibbles = Tensors.requireDType(m.require(NIBBLES, "the packed 4-bit weights", rows,
                Int4Matrix.nibbleBytes(rows, m.cols()) / rows), "packed 4-bit weights", DType.U8);
        Tensor scales = Tensors.requireDType(m.require(SCALES, "the 4-bit weights' group scales", rows, groups),
                "F32 group scales", DType.F32);
        Tensor mins = Tensors.requireDType(m.require(MINS, "the 4-bit weights' group minima", rows, groups),
                "F32 group minima", DType.F32);
        return Int4Matrix.of(nibbles.data(), scales.data(), mins.data(), rows, m.cols(), groupSize, null);
    }
}
