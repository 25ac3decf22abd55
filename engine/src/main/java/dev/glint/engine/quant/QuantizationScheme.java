package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.JsonFields;
import dev.glint.kernels.Matrix;

import java.util.List;

/**
 * How a checkpoint's {@code quantization_config} says its linear layers are stored. Which layers are quantized
 * follows the checkpoint: a layer whose quantized tensors ({@link #markers()}) are present is read by the scheme,
 * unless the config's exclusions keep it unquantized; any other layer is read as a plain float matrix.
 */
sealed interface QuantizationScheme permits NoQuantization, CompressedTensors, Fp8Blocks, Awq, Gptq, GlintQuantization {

    /** The scheme in words, for messages. */
    String describe();

    /** The config rule that keeps {@code module} unquantized, in words, or null when none does. */
    String exclusion(String module);

    /** Tensor suffixes ({@code X.suffix}) whose presence marks {@code X} as quantized. */
    List<String> markers();

    Matrix read(Module module);

    /**
     * The config rule that says {@code module} ({@code cols} inputs wide) is stored quantized, in words, or null when
     * the checkpoint may hold it as a float tensor; a module it names must have its quantized tensors.
     */
    default String requiredQuantization(String module, int cols) {
        return null;
    }

    /** @param path where {@code config} was found, for messages */
    static QuantizationScheme parse(JsonNode config, String path) {
        if (config == null || config.isNull()) {
            return new NoQuantization();
        }
        JsonFields fields = JsonFields.of(config, path, (where, problem) -> new CheckpointException(where + " " + problem));
        String method = fields.string("quant_method", null);
        if (method == null) {
            throw fields.problem("quant_method", "is missing; Glint reads compressed-tensors, fp8, awq, gptq and glint checkpoints");
        }
        return switch (method) {
            case "compressed-tensors" -> CompressedTensors.parse(fields);
            case "fp8" -> Fp8Blocks.parse(fields);
            case "awq" -> Awq.parse(fields);
            case "gptq" -> Gptq.parse(fields);
            case GlintQuantization.METHOD -> GlintQuantization.parse(fields);
            default -> throw fields.problem("quant_method", "\"" + method
                    + "\" is not supported; Glint reads compressed-tensors, fp8, awq, gptq and glint checkpoints");
        };
    }

    /** Two positive integers such as [128, 128], the rows and columns of a block of weights; null when not given. */
    static int[] blockShape(JsonFields fields, String name) {
        if (!fields.has(name)) {
            return null;
        }
        List<Integer> shape = fields.integers(name, List.of(), 1, Integer.MAX_VALUE);
        if (shape.size() != 2) {
            throw fields.mismatch(name, "two positive integers such as [128, 128]");
        }
        return new int[]{shape.get(0), shape.get(1)};
    }

    /**
     * transformers' and AutoAWQ's reading of {@code modules_to_not_convert}: an entry excludes every module whose name
     * contains it.
     */
    static String substringExclusion(List<String> entries, String module, String path) {
        for (String entry : entries) {
            if (module.contains(entry)) {
                return path + " entry \"" + entry + "\"";
            }
        }
        return null;
    }
}
