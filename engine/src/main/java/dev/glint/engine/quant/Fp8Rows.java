package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.kernels.Fp8Matrix;
import dev.glint.kernels.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Glint's fp8: E4M3FN codes {@code X.weight [rows, cols]} with one F32 scale per output row {@code X.weight_scale
 * [rows, 1]}, the row's largest magnitude over 448 (E4M3's largest finite value), so that each row uses the format's
 * whole range. A floating-point code keeps its relative precision (2⁻⁴) at any magnitude, so one scale per row loses
 * only the values below 2⁻⁹ of the row's largest; 128×128 blocks would help only rows with extreme outliers, at one
 * scale multiply per block in the kernel instead of per row.
 */
final class Fp8Rows {
    static final String SCALE = "weight_scale";
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Fp8Rows() {
    }

    static Quantized quantize(FloatRows source, Arena arena) {
        int rows = source.rows(), cols = source.cols();
        MemorySegment codes = arena.allocate((long) rows * cols, 64);
        MemorySegment scales = arena.allocate(4L * rows, 64);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            source.loadRow(r, row);
            Quantized.requireFinite(row, r);
            float largest = 0f;
            for (float w : row) {
                largest = Math.max(largest, Math.abs(w));
            }
            float scale = largest == 0f ? 1f : largest / Fp8Matrix.E4M3_MAX;
            scales.setAtIndex(F32, r, scale);
            long base = (long) r * cols;
            for (int c = 0; c < cols; c++) {
                codes.set(ValueLayout.JAVA_BYTE, base + c, Fp8Matrix.e4m3Code(row[c] / scale));
            }
        }
        return new Quantized(Fp8Matrix.perChannel(codes, rows, cols, scales), layout(rows, cols), codes, scales);
    }

    static List<Quantized.Layout> layout(int rows, int cols) {
        return List.of(new Quantized.Layout("weight", DType.F8_E4M3, rows, cols), new Quantized.Layout(SCALE, DType.F32, rows, 1));
    }

    static Matrix read(Module module) {
        return Fp8Weights.perChannel(module, SCALE);
    }
}
