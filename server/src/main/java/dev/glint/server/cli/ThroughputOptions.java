package dev.glint.server.cli;

import dev.glint.engine.eval.Throughput;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.kernels.KvType;
import picocli.CommandLine.Option;

/** How {@code bench} and {@code quant-bench} time prefill and decode. */
final class ThroughputOptions {
    @Option(names = "--prompt-tokens", paramLabel = "N", description = "Prompt length (default ${DEFAULT-VALUE}).")
    int promptTokens = 128;

    @Option(names = "--gen-tokens", paramLabel = "N", description = "Tokens to decode (default ${DEFAULT-VALUE}).")
    int genTokens = 64;

    @Option(names = "--repetitions", paramLabel = "R", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int repetitions = 3;

    @Option(names = "--kv-type", paramLabel = "TYPE", description = "KV cache element type: f32, bf16, fp8 or q8_0 (default ${DEFAULT-VALUE}).")
    String kvType = "f32";

    Throughput measure(Glm4Moe glm) {
        return Throughput.measure(glm, KvType.named(kvType), promptTokens, genTokens, repetitions);
    }
}
