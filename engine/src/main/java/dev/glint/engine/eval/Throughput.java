package dev.glint.engine.eval;

import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.model.KvCache;
import dev.glint.kernels.KvType;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Prefill and decode speed the way llama-bench measures them (pp N: one batch of N prompt tokens; tg N: N tokens
 * decoded one at a time) on random token ids, with a KV cache of the given type, after an untimed warm-up run so the JIT has compiled the kernels.
 *
 * @param prefill tokens per second of each timed run's prompt batch
 * @param decode  tokens per second of each timed run's decode steps
 */
public record Throughput(double[] prefill, double[] decode) {

    public static Throughput measure(Glm4Moe glm, KvType type, int promptTokens, int genTokens, int repetitions) {
        if (promptTokens < 1 || genTokens < 1 || repetitions < 1) {
            throw new IllegalArgumentException("prompt tokens, generated tokens and repetitions must be at least 1");
        }
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
        return new Throughput(prefill, decode);
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

    public static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(0);
    }

    /** Standard deviation. */
    public static double spread(double[] values) {
        double mean = mean(values);
        return Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length);
    }
}
