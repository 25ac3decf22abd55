package dev.glint.server.cli;

import dev.glint.engine.model.Footprint;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.model.KvCache;
import dev.glint.engine.model.KvLayout;
import dev.glint.engine.model.KvPool;
import dev.glint.kernels.KvType;
import dev.glint.kernels.Vectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Prefill and decode speed the way llama-bench measures them (pp N: one batch of N prompt tokens; tg N: N tokens
 * decoded one at a time), each at every depth of context asked for, after an untimed warm-up run so the JIT has
 * compiled the kernels. A depth is reached as llama-bench's {@code -d} does, but without its prefill: the cache is
 * filled with synthetic keys and values in the chosen KV type ({@link KvCache#fillWithSyntheticRows}), since what
 * attention costs depends on how many rows of which type it reads, not on their values.
 */
@Command(name = "bench", description = {
        "Measures prefill (pp) and decode (tg) tokens per second on random token ids, at each --depth of context.",
        "A depth is filled with synthetic pseudo-random keys and values in the KV type instead of being prefilled: "
                + "attention's cost does not depend on the values."})
final class BenchCommand implements Callable<Integer> {
    private static final long FILL_SEED = 42;

    @Mixin
    ModelOptions model;

    @Option(names = "--prompt-tokens", paramLabel = "N", description = "Prompt length of pp, 0 for none (default ${DEFAULT-VALUE}).")
    int promptTokens = 128;

    @Option(names = "--gen-tokens", paramLabel = "N", description = "Tokens decoded in tg, 0 for none (default ${DEFAULT-VALUE}).")
    int genTokens = 64;

    @Option(names = "--depth", paramLabel = "N[,N...]", split = ",",
            description = "Positions of context already in the cache before each test (default ${DEFAULT-VALUE}).")
    List<Integer> depths = List.of(0);

    @Option(names = "--repetitions", paramLabel = "R", description = "Timed runs (default ${DEFAULT-VALUE}).")
    int repetitions = 3;

    @Option(names = "--kv-type", paramLabel = "TYPE", description = "KV cache element type: f32, bf16, fp8 or q8_0 (default ${DEFAULT-VALUE}).")
    String kvType = "f32";

    @Override
    public Integer call() {
        if (promptTokens < 0 || genTokens < 0 || promptTokens + genTokens == 0 || repetitions < 1) {
            throw new IllegalArgumentException("--prompt-tokens and --gen-tokens must be at least 0 and not both 0, "
                    + "--repetitions at least 1");
        }
        if (depths.stream().anyMatch(d -> d < 0)) {
            throw new IllegalArgumentException("--depth must be at least 0, got " + depths);
        }
        KvType type = KvType.named(kvType);
        try (Glm4Moe glm = model.load()) {
            int vocab = glm.config().vocabSize();
            SplittableRandom random = new SplittableRandom(42);
            int[] prompt = random.ints(promptTokens, 0, vocab).toArray();
            int[] decoded = random.ints(genTokens, 0, vocab).toArray();
            Footprint footprint = Footprint.of(glm.config());
            long weightBytes = glm.checkpoint().bytesMapped() * footprint.weightsReadPerToken() / footprint.totalParameters();
            long kvBytesPerToken = KvLayout.of(glm.config(), type).bytesPerToken();
            atDepth(glm, type, 0, prompt, decoded, 1);
            System.out.printf("threads %d, vector %d bits, %s KV cache: %d bytes per token%n", model.threads,
                    Vectors.BITS, kvType, kvBytesPerToken);
            System.out.println("| test | KV pool MiB | t/s | GB/s read (weights + KV) |");
            System.out.println("|---|---:|---:|---:|");
            for (int depth : depths) {
                Speeds speeds = atDepth(glm, type, depth, prompt, decoded, repetitions);
                String pool = "%.1f".formatted(speeds.poolBytes() / 1048576.0);
                if (promptTokens > 0) {
                    System.out.printf("| pp%d @ d%d | %s | %s | |%n", promptTokens, depth, pool, summary(speeds.prefill()));
                }
                if (genTokens > 0) {
                    double bytesRead = weightBytes + (double) depth * kvBytesPerToken;
                    System.out.printf("| tg%d @ d%d | %s | %s | %.1f |%n", genTokens, depth, pool,
                            summary(speeds.decode()), mean(speeds.decode()) * bytesRead / 1e9);
                }
            }
        }
        return 0;
    }

    /** Tokens per second of each timed prefill and decode run, and the bytes of the pool they ran in. */
    private record Speeds(double[] prefill, double[] decode, long poolBytes) {
    }

    /**
     * Fills a sequence of a pool of its own to {@code depth}, then times {@code runs} times the prefill of
     * {@code prompt} and the decoding of {@code decoded}, each from that depth: the sequence is cut back after each.
     */
    private static Speeds atDepth(Glm4Moe glm, KvType type, int depth, int[] prompt, int[] decoded, int runs) {
        try (KvPool pool = new KvPool(glm.config(), type, depth + Math.max(prompt.length, decoded.length));
             KvCache cache = new KvCache(pool, pool.capacityTokens())) {
            long start = System.nanoTime();
            cache.fillWithSyntheticRows(depth, FILL_SEED);
            if (depth > 0) {
                System.err.printf("d%d: %d positions of synthetic keys and values in %.1f s%n", depth, depth,
                        (System.nanoTime() - start) / 1e9);
            }
            double[] prefill = new double[prompt.length == 0 ? 0 : runs];
            double[] decode = new double[decoded.length == 0 ? 0 : runs];
            for (int r = 0; r < runs; r++) {
                if (prompt.length > 0) {
                    prefill[r] = prompt.length / seconds(() -> glm.forward(prompt, cache, false));
                    cache.truncate(depth);
                }
                if (decoded.length > 0) {
                    decode[r] = decoded.length / seconds(() -> {
                        for (int id : decoded) {
                            glm.forward(new int[]{id}, cache, false);
                        }
                    });
                    cache.truncate(depth);
                }
            }
            return new Speeds(prefill, decode, pool.bytes());
        }
    }

    private static double seconds(Runnable run) {
        long start = System.nanoTime();
        run.run();
        return (System.nanoTime() - start) / 1e9;
    }

    private static String summary(double[] values) {
        return "%.2f ± %.2f".formatted(mean(values), spread(values));
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(0);
    }

    private static double spread(double[] values) {
        double mean = mean(values);
        return Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length);
    }
}
