package dev.glint.server.cli;

import dev.glint.engine.eval.Throughput;
import dev.glint.engine.model.Footprint;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.kernels.Vectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

import static dev.glint.engine.eval.Throughput.mean;
import static dev.glint.engine.eval.Throughput.spread;

/** Prefill and decode speed, llama-bench style ({@link Throughput}). */
@Command(name = "bench", description = "Measures prefill (pp) and decode (tg) tokens per second on random token ids.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    ThroughputOptions timing;

    @Override
    public Integer call() {
        try (Glm4Moe glm = model.load()) {
            Throughput speed = timing.measure(glm);
            long weightBytes = glm.residentWeightBytes() * Footprint.of(glm.config()).weightsReadPerToken()
                    / Footprint.of(glm.config()).totalParameters();
            System.out.printf("threads %d, vector %d bits, %s KV cache%n", model.threads, Vectors.BITS, timing.kvType);
            System.out.printf("pp%d  %8.2f ± %.2f tok/s%n", timing.promptTokens, mean(speed.prefill()), spread(speed.prefill()));
            System.out.printf("tg%d  %8.2f ± %.2f tok/s   (%.1f GB/s of weights)%n", timing.genTokens, mean(speed.decode()),
                    spread(speed.decode()), mean(speed.decode()) * weightBytes / 1e9);
        }
        return 0;
    }
}
