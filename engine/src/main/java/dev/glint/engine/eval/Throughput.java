package dev.glint.engine.eval;

import dev.glint.engine.kv.KvCache;
import dev.glint.engine.kv.KvPool;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.sampling.Sampler;
import dev.glint.engine.speculative.Speculation;
import dev.glint.kernels.KvType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Prefill and decode speed the way llama-bench measures them (pp N: one batch of N prompt tokens; tg N: N tokens
 * decoded one at a time) on random token ids, each from a given depth of context. A depth is reached as llama-bench's
 * {@code -d} does, but without its prefill: the cache is filled with synthetic keys and values in the KV type
 * ({@link SyntheticRows}), since what attention costs depends on how many rows of which type it reads, not on their
 * values.
 *
 * @param prefill   tokens per second of each timed prompt batch (empty when no prompt was asked for)
 * @param decode    tokens per second of each timed run of decode steps (empty when none was asked for)
 * @param poolBytes the KV pool the runs used
 */
public record Throughput(double[] prefill, double[] decode, long poolBytes) {
    private static final long FILL_SEED = 42;

    /** Prompt and decoded tokens of a test: {@code promptTokens} and {@code genTokens} random ids, either may be 0. */
    public record Test(int[] prompt, int[] decoded) {
        public static Test random(Glm4Moe glm, int promptTokens, int genTokens) {
            if (promptTokens < 0 || genTokens < 0 || promptTokens + genTokens == 0) {
                throw new IllegalArgumentException("prompt and generated tokens must be at least 0 and not both 0, got "
                        + promptTokens + " and " + genTokens);
            }
            SplittableRandom random = new SplittableRandom(42);
            int vocab = glm.config().vocabSize();
            return new Test(random.ints(promptTokens, 0, vocab).toArray(), random.ints(genTokens, 0, vocab).toArray());
        }
    }

    /**
     * Untimed runs from an empty cache — a 128-token prompt and 64 decode steps, whatever the timed test is — so the
     * JIT has compiled the prefill and decode kernels before anything is timed (a tg8 warm-up is too short for that).
     */
    public static void warmUp(Glm4Moe glm, KvType type) {
        measure(glm, type, Test.random(glm, 128, 64), 0, 2);
    }

    /**
     * Fills a sequence in a pool of its own to {@code depth}, then times {@code repetitions} times the prefill of the
     * test's prompt and the decoding of its tokens, each from that depth: the sequence is cut back after each.
     */
    public static Throughput measure(Glm4Moe glm, KvType type, Test test, int depth, int repetitions) {
        if (depth < 0 || repetitions < 1) {
            throw new IllegalArgumentException("depth must be at least 0 and repetitions at least 1, got " + depth
                    + " and " + repetitions);
        }
        int[] prompt = test.prompt();
        int[] decoded = test.decoded();
        try (KvPool pool = new KvPool(glm.config(), type, depth + Math.max(prompt.length, decoded.length));
             KvCache cache = new KvCache(pool, pool.capacityTokens())) {
            SyntheticRows.fill(cache, depth, FILL_SEED);
            double[] prefill = new double[prompt.length == 0 ? 0 : repetitions];
            double[] decode = new double[decoded.length == 0 ? 0 : repetitions];
            for (int r = 0; r < repetitions; r++) {
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
            return new Throughput(prefill, decode, pool.bytes());
        }
    }

    /**
     * llama-batched-bench's test: {@code sequences} random prompts of {@code promptTokens} prefilled together in one
     * step, then {@code genTokens} decode steps in which every sequence adds a token. Returns the aggregate tokens per
     * second of each timed prefill and decode (all sequences' tokens over the step's time).
     */
    public static Throughput measureParallel(Glm4Moe glm, KvType type, int sequences, int promptTokens, int genTokens,
                                             int repetitions) {
        if (sequences < 1 || promptTokens < 1 || genTokens < 0 || repetitions < 1) {
            throw new IllegalArgumentException("sequences, prompt tokens and repetitions must be at least 1 and generated "
                    + "tokens at least 0, got " + sequences + ", " + promptTokens + ", " + repetitions + " and " + genTokens);
        }
        SplittableRandom random = new SplittableRandom(42);
        int vocab = glm.config().vocabSize();
        int[][] prompts = new int[sequences][];
        int[][] decoded = new int[sequences][];
        for (int s = 0; s < sequences; s++) {
            prompts[s] = random.ints(promptTokens, 0, vocab).toArray();
            decoded[s] = random.ints(genTokens, 0, vocab).toArray();
        }
        // each sequence holds whole blocks of the pool
        int blocksPerSequence = (promptTokens + genTokens + KvPool.BLOCK_TOKENS - 1) / KvPool.BLOCK_TOKENS;
        try (KvPool pool = new KvPool(glm.config(), type, sequences * blocksPerSequence * KvPool.BLOCK_TOKENS)) {
            double[] prefill = new double[repetitions];
            double[] decode = new double[genTokens == 0 ? 0 : repetitions];
            for (int r = 0; r < repetitions; r++) {
                List<KvCache> caches = new ArrayList<>();
                try {
                    List<Glm4Moe.Step> prefillStep = new ArrayList<>();
                    for (int s = 0; s < sequences; s++) {
                        caches.add(new KvCache(pool, promptTokens + genTokens));
                        prefillStep.add(new Glm4Moe.Step(caches.get(s), prompts[s], false));
                    }
                    prefill[r] = (double) sequences * promptTokens / seconds(() -> glm.forward(prefillStep));
                    if (genTokens > 0) {
                        decode[r] = (double) sequences * genTokens / seconds(() -> {
                            for (int t = 0; t < genTokens; t++) {
                                List<Glm4Moe.Step> step = new ArrayList<>();
                                for (int s = 0; s < sequences; s++) {
                                    step.add(new Glm4Moe.Step(caches.get(s), new int[]{decoded[s][t]}, false));
                                }
                                glm.forward(step);
                            }
                        });
                    }
                } finally {
                    caches.forEach(KvCache::close);
                }
            }
            return new Throughput(prefill, decode, pool.bytes());
        }
    }

    /**
     * Decode with speculation, as the scheduler runs it for one sequence: each step verifies the last token and its
     * drafts, and with MTP the layer then drafts from the positions the step kept. Random weights guess nothing, so
     * a seeded coin accepts each draft with probability {@code acceptRate} (the first refusal ends the step's run); what
     * a step costs does not depend on whether its guesses were right.
     *
     * @param tokensPerSecond tokens generated per second, per repetition
     * @param tokensPerStep   tokens a verify step yielded on average
     * @param verifyMillis    one verify step (the last token and its drafts through the main model), on average
     * @param draftMillis     one MTP pass after a step, on average (0 for n-gram drafts, whose lookup is not timed)
     */
    public record Speculative(double[] tokensPerSecond, double tokensPerStep, double verifyMillis, double draftMillis) {
    }

    public static Speculative measureSpeculative(Glm4Moe glm, KvType type, Speculation speculation, int genTokens,
                                                 double acceptRate, int repetitions) {
        if (!speculation.drafts() || genTokens < 1 || repetitions < 1 || !(acceptRate >= 0 && acceptRate <= 1)) {
            throw new IllegalArgumentException("speculative decoding needs a draft method, at least 1 token and 1 "
                    + "repetition and an acceptance rate in [0, 1], got " + speculation + ", " + genTokens + ", "
                    + repetitions + " and " + acceptRate);
        }
        boolean mtp = speculation.method() == Speculation.Method.MTP;
        int k = speculation.draftTokens();
        int hidden = glm.config().hiddenSize();
        int vocab = glm.config().vocabSize();
        SplittableRandom random = new SplittableRandom(42);
        double[] rates = new double[repetitions];
        long steps = 0;
        long emittedTotal = 0;
        long verifyNanos = 0;
        long draftNanos = 0;
        for (int r = 0; r < repetitions; r++) {
            try (KvPool pool = new KvPool(glm.kvLayout(type, mtp), genTokens + k + 1);
                 KvCache cache = new KvCache(pool, pool.capacityTokens())) {
                int token = random.nextInt(vocab);
                int[] drafts = new int[0];
                int emitted = 0;
                long start = System.nanoTime();
                while (emitted < genTokens) {
                    int before = cache.length();
                    int[] input = new int[1 + drafts.length];
                    input[0] = token;
                    System.arraycopy(drafts, 0, input, 1, drafts.length);
                    long verifyStart = System.nanoTime();
                    Glm4Moe.Output out = glm.forward(List.of(new Glm4Moe.Step(cache, input, drafts.length > 0, drafts.length))).getFirst();
                    verifyNanos += System.nanoTime() - verifyStart;
                    int accepted = 0;
                    while (accepted < drafts.length && random.nextDouble() < acceptRate) {
                        accepted++;
                    }
                    cache.advance(Arrays.copyOf(drafts, accepted));
                    emitted += accepted + 1;
                    steps++;
                    token = random.nextInt(vocab);
                    if (mtp) {
                        int[] next = Arrays.copyOfRange(input, 1, accepted + 2);
                        next[accepted] = token;
                        long draftStart = System.nanoTime();
                        float[] logits = glm.draft(List.of(new Glm4Moe.DraftStep(cache, before,
                                Arrays.copyOf(out.hidden(), (accepted + 1) * hidden), next))).getFirst();
                        draftNanos += System.nanoTime() - draftStart;
                        drafts = new int[]{Sampler.argmax(logits, vocab)};
                    } else {
                        drafts = random.ints(Math.min(k, Math.max(0, genTokens - emitted - 1)), 0, vocab).toArray();
                    }
                    if (cache.length() + 1 + drafts.length > pool.capacityTokens()) {
                        drafts = new int[0];
                    }
                }
                rates[r] = emitted / ((System.nanoTime() - start) / 1e9);
                emittedTotal += emitted;
            }
        }
        return new Speculative(rates, (double) emittedTotal / steps, verifyNanos / 1e6 / steps, draftNanos / 1e6 / steps);
    }

    private static double seconds(Runnable run) {
        long start = System.nanoTime();
        run.run();
        return (System.nanoTime() - start) / 1e9;
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
