package dev.glint.server.cli;

import dev.glint.engine.eval.Throughput;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.kernels.KvType;
import picocli.CommandLine.Option;

/** How {@code bench} and {@code quant-bench} time prefill and decode. */
final class ThroughputOptions {
    @Option(names = "--prompt-tokens", paramLabel = "N", description = "Prompt length of pp, 0 for none (default ${DEFAULT-VALUE}).")
    int promptTokens = 128;

    @Option(names = "--gen-tokens", paramLabel = "N", description = "Tokens decoded in tg, 0 for none (default ${DEFAULT-VALUE}).")
    int genTokens = 64;

    @Option(names = "--repetitions", paramLabel = "R", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int repetitions = 3;

    @Option(names = "--kv-type", paramLabel = "TYPE", description = "KV cache element type: f32, bf16, fp8 or q8_0 (default ${DEFAULT-VALUE}).")
    String kvType = "f32";

    KvType type() {
        return KvType.named(kvType);
    }

    Throughput.Test test(Glm4Moe glm) {
        return Throughput.Test.random(glm, promptTokens, genTokens);
    }

    /** pp and tg from an empty cache, after a warm-up run. */
    Throughput measure(Glm4Moe glm) {
        Throughput.Test test = test(glm);
        Throughput.warmUp(glm, type());
        return Throughput.measure(glm, type(), test, 0, repetitions);
    }
}
