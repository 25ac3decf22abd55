package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.JsonFields;
import dev.glint.kernels.Matrix;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code quant_method: "glint"}, the checkpoints {@code glint quantize} writes: {@code modules} maps each quantized
 * {@link TensorKind} to its {@link QuantFormat}, and each quantized matrix is stored in the bytes its kernel reads.
 * {@code layout_version} names those byte layouts; a reader refuses a version it does not know rather than misread it.
 * Version 2 moved q8's block scales out of its weight rows into a tensor of their own, and q4's (scale, min) pairs out
 * of its nibble rows into two BF16 tensors; version 3 stores q4 of groups of 32 in tiles of 32 rows for its integer
 * kernel; a version 2 checkpoint without q4 is read as it is. A checkpoint of an older version is written again
 * from its BF16 original.
 */
record GlintQuantization(QuantizationPlan plan, String path) implements QuantizationScheme {
    static final String METHOD = "glint";
    static final int LAYOUT_VERSION = 3;
    /** The version whose q4 layout this Glint reads; version 2's fp8 and q8 are those of version 3. */
    static final int Q4_CHANGED = 3;
    static final int GROUP_SIZE = 32;

    static GlintQuantization parse(JsonFields fields) {
        int version = fields.integer("layout_version", 0);
        if (version != LAYOUT_VERSION && version != Q4_CHANGED - 1) {
            throw fields.problem("layout_version", (fields.has("layout_version") ? version + " is not supported"
                    : "is missing") + "; this Glint reads glint layout version " + LAYOUT_VERSION
                    + " (run glint quantize on the original checkpoint again)");
        }
        int groupSize = fields.integer("group_size", GROUP_SIZE);
        if (groupSize != GROUP_SIZE) {
            throw fields.problem("group_size", groupSize + " is not supported; glint q4 and q8 use groups of " + GROUP_SIZE);
        }
        JsonFields modules = fields.object("modules");
        Map<TensorKind, QuantFormat> formats = new EnumMap<>(TensorKind.class);
        for (String kind : modules.names()) {
            String where = modules.pathOf(kind);
            try {
                formats.put(TensorKind.parse(kind, where), QuantFormat.parse(modules.string(kind), where));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(e.getMessage(), e);
            }
        }
        if (version < Q4_CHANGED && formats.containsValue(QuantFormat.Q4)) {
            throw fields.problem("layout_version", version + " is not supported for q4, whose layout changed in version "
                    + Q4_CHANGED + "; this Glint reads glint layout version " + LAYOUT_VERSION
                    + " (run glint quantize on the original checkpoint again)");
        }
        return new GlintQuantization(new QuantizationPlan(formats), fields.path());
    }

    /** The {@code quantization_config} describing {@code plan}. */
    static ObjectNode config(QuantizationPlan plan) {
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        config.put("quant_method", METHOD);
        config.put("layout_version", LAYOUT_VERSION);
        config.put("group_size", GROUP_SIZE);
        ObjectNode modules = config.putObject("modules");
        plan.formats().forEach((kind, format) -> modules.put(kind.id(), format.id()));
        return config;
    }

    @Override
    public String describe() {
        return "glint " + plan.describe();
    }

    @Override
    public String exclusion(String module) {
        return plan.formatFor(module + ".weight").isPresent() ? null
                : path + ".modules, which lists no " + TensorKind.of(module + ".weight").map(TensorKind::id).orElse(module);
    }

    @Override
    public List<String> markers() {
        return Arrays.stream(QuantFormat.values()).map(QuantFormat::marker).toList();
    }

    @Override
    public Matrix read(Module module) {
        return plan.formatFor(module.name() + ".weight").orElseThrow().read(module);
    }

    @Override
    public String requiredQuantization(String module, int cols) {
        String weight = module + ".weight";
        return plan.formatFor(weight).filter(format -> format.fits(cols))
                .map(format -> path + ".modules." + TensorKind.of(weight).orElseThrow().id() + " = " + format.id()
                        + " (" + module + "." + format.marker() + ")")
                .orElse(null);
    }
}
