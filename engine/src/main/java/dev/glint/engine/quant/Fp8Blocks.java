package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.JsonFields;
import dev.glint.kernels.Matrix;

import java.util.List;
import java.util.stream.Stream;

/**
 * {@code quant_method: "fp8"} (DeepSeek-V3, GLM-5 style): {@code X.weight} F8_E4M3 with {@code X.weight_scale_inv}
 * over {@code weight_block_size} tiles. Despite its name the scale multiplies.
 */
record Fp8Blocks(int blockRows, int blockCols, List<String> notConverted, String path) implements QuantizationScheme {
    private static final String SCALE = "weight_scale_inv";

    static Fp8Blocks parse(JsonFields fields) {
        String format = fields.string("fmt", "e4m3");
        if (!format.equals("e4m3")) {
            throw fields.problem("fmt", "\"" + format + "\" is not supported; Glint reads e4m3 FP8 weights");
        }
        int[] block = QuantizationScheme.blockShape(fields, "weight_block_size");
        if (block == null) {
            throw fields.problem("weight_block_size", "is missing; Glint reads quant_method fp8 checkpoints with block scales ("
                    + SCALE + ")");
        }
        List<String> excluded = Stream.concat(fields.strings("modules_to_not_convert", List.of()).stream(),
                fields.strings("ignored_layers", List.of()).stream()).toList();
        return new Fp8Blocks(block[0], block[1], excluded, fields.path());
    }

    @Override
    public String describe() {
        return "fp8 with " + blockRows + "x" + blockCols + " block scales";
    }

    @Override
    public String exclusion(String module) {
        return QuantizationScheme.substringExclusion(notConverted, module, path + ".modules_to_not_convert");
    }

    @Override
    public List<String> markers() {
        return List.of(SCALE);
    }

    @Override
    public Matrix read(Module module) {
        return Fp8Weights.blocks(module, SCALE, blockRows, blockCols);
    }
}
