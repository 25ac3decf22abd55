package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.kernels.Int8Matrix;
import dev.glint.kernels.Matrix;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * Glint's q8: {@link Int8Matrix}'s layout (int8 weights with one F16 scale per 32 of a row, llama.cpp's Q8_0), held
 * byte for byte by {@code X.weight_q8} U8 {@code [rows, bytes per row]} and read from the mapped file in place.
 */
final class Q8Rows {
    static final String PACKED = "weight_q8";

    private Q8Rows() {
    }

    static boolean fits(int cols) {
        return cols % Int8Matrix.BLOCK == 0;
    }

    static Quantized quantize(Matrix source, Arena arena) {
        int rows = source.rows(), cols = source.cols();
        Int8Matrix matrix = Int8Matrix.quantize(arena, rows, cols, source::loadRow);
        return new Quantized(matrix, List.of(new Quantized.Part(PACKED, DType.U8,
                new long[]{rows, Int8Matrix.byteSize(rows, cols) / rows}, matrix.data())));
    }

    static Matrix read(Module m) {
        long bytes = Int8Matrix.byteSize(m.rows(), m.cols());
        Tensor packed = Tensors.requireDType(m.require(PACKED, "the int8 layout", m.rows(), bytes / m.rows()),
                "an int8 layout", DType.U8);
        return Int8Matrix.of(packed.data(), m.rows(), m.cols());
    }
}
