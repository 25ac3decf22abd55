package dev.glint.server.cli;

import dev.glint.engine.eval.Throughput;
import dev.glint.engine.model.Glm4Moe;
import picocli.CommandLine.Option;

/** How {@code bench} and {@code quant-bench} time prefill and decode. */
final class ThroughputOptions {
    @Option(names = "--prompt-tokens", paramLabel = "N", description = "Prompt length (default ${DEFAULT-VALUE}).")
    int promptTokens = 128;

    @Option(names = "--gen-tokens", paramLabel = "N", description = "Tokens to decode (default ${DEFAULT-VALUE}).")
    int genTokens = 64;

    @Option(names = "--repetitions", paramLabel = "R", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int repetitions = 3;

    Throughput measure(Glm4Moe glm) {
        return Throughput.measure(glm, promptTokens, genTokens, repetitions);
    }
}
