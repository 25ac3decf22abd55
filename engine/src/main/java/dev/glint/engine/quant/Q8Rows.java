package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.kernels.Int8Matrix;
import dev.glint.kernels.Matrix;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * Glint's q8: {@link Int8Matrix}'s layout (int8 weights with one F16 scale per 32 of a row, llama.cpp's Q8_0), held
 * byte for byte by {@code X.weight_q8} I8 {@code [rows, cols]} and {@code X.weight_q8_scale} F16
 * {@code [rows, cols / 32]}, and read from the mapped file in place.
 */
final class Q8Rows {
    static final String WEIGHTS = "weight_q8";
    static final String SCALES = "weight_q8_scale";

    private Q8Rows() {
    }

    static boolean fits(int cols) {
        return cols % Int8Matrix.BLOCK == 0;
    }

    static Quantized quantize(FloatRows source, Arena arena) {
        int rows = source.rows(), cols = source.cols();
        Int8Matrix matrix = Int8Matrix.quantize(arena, rows, cols, source::loadRow);
        return new Quantized(matrix, layout(rows, cols), matrix.weights(), matrix.scales());
    }

    static List<Quantized.Layout> layout(int rows, int cols) {
        return List.of(new Quantized.Layout(WEIGHTS, DType.I8, rows, cols),
                new Quantized.Layout(SCALES, DType.F16, rows, cols / Int8Matrix.BLOCK));
    }

    static Matrix read(Module m) {
        Tensor weights = Tensors.requireDType(m.require(WEIGHTS, "the int8 weights", m.rows(), m.cols()),
                "int8 weights", DType.I8);
        Tensor scales = Tensors.requireFiniteHalves(Tensors.requireDType(m.require(SCALES,
                "the int8 weights' F16 block scales", m.rows(), m.cols() / Int8Matrix.BLOCK), "F16 block scales", DType.F16));
        return Int8Matrix.of(weights.data(), scales.data(), m.rows(), m.cols());
    }
}
