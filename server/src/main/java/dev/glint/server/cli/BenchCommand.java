package dev.glint.server.cli;

import dev.glint.engine.model.Footprint;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.model.KvCache;
import dev.glint.kernels.KvType;
import dev.glint.kernels.Vectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Prefill and decode speed the way llama-bench measures them (pp N: one batch of N prompt tokens; tg N: N tokens
 * decoded one at a time), after an untimed warm-up run so the JIT has compiled the kernels.
 */
@Command(name = "bench", description = "Measures prefill (pp) and decode (tg) tokens per second on random token ids.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--prompt-tokens", paramLabel = "N", description = "Prompt length (default ${DEFAULT-VALUE}).")
    int promptTokens = 128;

    @Option(names = "--gen-tokens", paramLabel = "N", description = "Tokens to decode (default ${DEFAULT-VALUE}).")
    int genTokens = 64;

    @Option(names = "--repetitions", paramLabel = "R", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int repetitions = 3;

    @Option(names = "--kv-type", paramLabel = "TYPE", description = "KV cache element type: f32, bf16, fp8 or q8_0 (default ${DEFAULT-VALUE}).")
    String kvType = "f32";

    @Override
    public Integer call() {
        if (promptTokens < 1 || genTokens < 1 || repetitions < 1) {
            throw new IllegalArgumentException("--prompt-tokens, --gen-tokens and --repetitions must be at least 1");
        }
        KvType type = KvType.named(kvType);
        try (Glm4Moe glm = model.load()) {
            int vocab = glm.config().vocabSize();
            SplittableRandom random = new SplittableRandom(42);
            int[] prompt = random.ints(promptTokens, 0, vocab).toArray();
            int[] decoded = random.ints(genTokens, 0, vocab).toArray();
            run(glm, type, prompt, decoded);
            double[] prefill = new double[repetitions];
            double[] decode = new double[repetitions];
            for (int r = 0; r < repetitions; r++) {
                double[] seconds = run(glm, type, prompt, decoded);
                prefill[r] = promptTokens / seconds[0];
                decode[r] = genTokens / seconds[1];
            }
            long weightBytes = glm.checkpoint().bytesMapped() * Footprint.of(glm.config()).weightsReadPerToken()
                    / Footprint.of(glm.config()).totalParameters();
            System.out.printf("threads %d, vector %d bits, %s KV cache%n", model.threads, Vectors.BITS, kvType);
            System.out.printf("pp%d  %8.2f ± %.2f tok/s%n", promptTokens, mean(prefill), spread(prefill));
            System.out.printf("tg%d  %8.2f ± %.2f tok/s   (%.1f GB/s of weights)%n", genTokens, mean(decode), spread(decode),
                    mean(decode) * weightBytes / 1e9);
        }
        return 0;
    }

    /** Seconds for the prefill batch and for the decode steps after it. */
    private static double[] run(Glm4Moe glm, KvType type, int[] prompt, int[] decoded) {
        try (KvCache cache = new KvCache(glm.config(), type, prompt.length + decoded.length)) {
            long start = System.nanoTime();
            glm.forward(prompt, cache, false);
            long prefilled = System.nanoTime();
            for (int id : decoded) {
                glm.forward(new int[]{id}, cache, false);
            }
            long done = System.nanoTime();
            return new double[]{(prefilled - start) / 1e9, (done - prefilled) / 1e9};
        }
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(0);
    }

    private static double spread(double[] values) {
        double mean = mean(values);
        return Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length);
    }
}
