package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.JsonFields;
import dev.glint.kernels.Matrix;

import java.util.List;

/** AutoAWQ's GEMM format: 4-bit, asymmetric, groups along the input dimension. */
record Awq(int groupSize, List<String> notConverted, String path) implements QuantizationScheme {

    static Awq parse(JsonFields fields) {
        int bits = fields.integer("bits", 4);
        if (bits != 4) {
            throw fields.problem("bits", bits + " is not supported; Glint reads 4-bit AWQ");
        }
        String version = fields.string("version", "gemm");
        if (!version.equalsIgnoreCase("gemm")) {
            throw fields.problem("version", "\"" + version + "\" is not supported; Glint reads AWQ's gemm layout");
        }
        if (!fields.bool("zero_point", true)) {
            throw fields.problem("zero_point", "false is not supported; Glint reads AWQ with zero points");
        }
        int groupSize = fields.integer("group_size", 128);
        if (groupSize < 1) {
            throw fields.problem("group_size", groupSize + " is not supported; AWQ needs a positive group size");
        }
        return new Awq(groupSize, fields.strings("modules_to_not_convert", List.of()), fields.path());
    }

    @Override
    public String describe() {
        return "awq gemm, group " + groupSize;
    }

    @Override
    public String exclusion(String module) {
        return QuantizationScheme.substringExclusion(notConverted, module, path + ".modules_to_not_convert");
    }

    @Override
    public List<String> markers() {
        return List.of("qweight");
    }

    @Override
    public Matrix read(Module module) {
        return Int4Weights.awq(module, groupSize);
    }
}
