package dev.glint.server.cli;

import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.quant.QuantizationPlan;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options every command that runs a model shares. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face model folder (config.json, *.safetensors).")
    Path model;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads for the kernels (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Mixin
    QuantizeOptions quantize;

    Glm4Moe load() {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        QuantizationPlan plan = quantize.plan();
        return Glm4Moe.load(model, threads, plan, QuantizationProgressBar.quantizing("quantizing " + plan.describe()));
    }
}
