package dev.glint.server.cli;

import dev.glint.engine.quant.QuantFormat;
import dev.glint.engine.quant.QuantizationPlan;
import picocli.CommandLine.Option;

/** {@code --quantize} and {@code --quantize-tensors}, shared by every command that loads a model. */
final class QuantizeOptions {
    static final String TENSORS_HELP = "Kinds of matrices to quantize: experts, shared, attention, dense, lm_head, "
            + "embeddings; KIND:FORMAT gives one its own format (default: experts,shared,attention,dense,lm_head:q8).";

    @Option(names = "--quantize", paramLabel = "FORMAT",
            description = "Quantize a BF16/F16/F32 checkpoint while loading: fp8, q8 or q4.")
    String format;

    @Option(names = "--quantize-tensors", paramLabel = "KINDS", description = TENSORS_HELP)
    String tensors;

    QuantizationPlan plan() {
        if (format == null) {
            if (tensors != null) {
                throw new IllegalArgumentException("--quantize-tensors needs --quantize FORMAT");
            }
            return QuantizationPlan.NONE;
        }
        return QuantizationPlan.parse(QuantFormat.parse(format, "--quantize"), tensors);
    }
}
