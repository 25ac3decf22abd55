package dev.glint.engine.quant;

import dev.glint.kernels.Matrix;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * Glint's own weight formats, each stored in a glint checkpoint exactly as its kernel reads it:
 * <ul>
 *   <li>{@code fp8}: E4M3 with one F32 scale per output row (as the official GLM-4.x FP8 checkpoints);</li>
 *   <li>{@code q8}: int8 with one scale per 32 weights of a row (llama.cpp's Q8_0);</li>
 *   <li>{@code q4}: 4-bit with a BF16 (scale, min) pair per 32 weights of a row (llama.cpp's Q4_1), groups of 16
 *       for a width that is not a multiple of 32; with groups of 32 it has an integer kernel, which multiplies
 *       int8 activations.</li>
 * </ul>
 */
public enum QuantFormat {
    FP8("fp8", Fp8Rows.SCALE),
    Q8("q8", Q8Rows.WEIGHTS),
    Q4("q4", Q4Rows.NIBBLES);

    private final String id;
    private final String marker;

    QuantFormat(String id, String marker) {
        this.id = id;
        this.marker = marker;
    }

    public String id() {
        return id;
    }

    /** The tensor suffix ({@code X.suffix}) that marks a module stored in this format. */
    String marker() {
        return marker;
    }

    /** Whether a matrix {@code cols} wide fits the format's groups; one that does not stays in float. */
    boolean fits(int cols) {
        return switch (this) {
            case FP8 -> true;
            case Q8 -> Q8Rows.fits(cols);
            case Q4 -> Q4Rows.groupSize(cols) > 0;
        };
    }

    /** Whether the format has an integer kernel, so that int8 activations change its products. */
    public boolean multipliesInt8Activations() {
        return this == Q4;
    }

    /** Quantizes {@code source} into memory of {@code arena}. */
    Quantized quantize(FloatRows source, Arena arena) {
        return switch (this) {
            case FP8 -> Fp8Rows.quantize(source, arena);
            case Q8 -> Q8Rows.quantize(source, arena);
            case Q4 -> Q4Rows.quantize(source, arena);
        };
    }

    /** The tensors a {@code rows × cols} matrix is stored as, in the order {@link #quantize} returns their data. */
    List<Quantized.Layout> layout(int rows, int cols) {
        return switch (this) {
            case FP8 -> Fp8Rows.layout(rows, cols);
            case Q8 -> Q8Rows.layout(rows, cols);
            case Q4 -> Q4Rows.layout(rows, cols);
        };
    }

    /** Reads a module stored in this format by a glint checkpoint. */
    Matrix read(Module module) {
        return switch (this) {
            case FP8 -> Fp8Rows.read(module);
            case Q8 -> Q8Rows.read(module);
            case Q4 -> Q4Rows.read(module);
        };
    }

    /** @throws IllegalArgumentException naming the formats there are */
    public static QuantFormat parse(String id, String where) {
        return Ids.parse(values(), QuantFormat::id, id, where, "quantization format");
    }
}
