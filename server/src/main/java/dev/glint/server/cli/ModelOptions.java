package dev.glint.server.cli;

import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.quant.QuantizationPlan;
import dev.glint.kernels.MatrixProducts.Activations;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options every command that runs a model shares. */
final class ModelOptions {
    @Mixin
    ModelFolder folder;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads for the kernels (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--activations", paramLabel = "TYPE",
            description = "What quantized weights multiply: int8 (activations quantized per block of 32, integer "
                    + "products: the fast path, as llama.cpp's quantized formats) or float (every product exact). "
                    + "Default: int8, except for logits.")
    Activations activations;

    @Mixin
    QuantizeOptions quantize;

    /** Loads the model with {@code --activations}, or {@code unset} when it was not given. */
    Glm4Moe load(Activations unset) {
        return load(unset, false);
    }

    /** As above, with the checkpoint's multi-token-prediction layer when {@code withMtp}. */
    Glm4Moe load(Activations unset, boolean withMtp) {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        QuantizationPlan plan = quantize.plan();
        return Glm4Moe.load(directory(), threads, plan, QuantizationProgressBar.quantizing(plan),
                activations == null ? unset : activations, withMtp);
    }

    Path directory() {
        return folder.directory;
    }
}
