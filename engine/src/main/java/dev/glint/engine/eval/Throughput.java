package dev.glint.engine.eval;

import dev.glint.engine.kv.KvCache;
import dev.glint.engine.kv.KvPool;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.sampling.Sampler;
import dev.glint.engine.speculative.NgramDrafter;
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
     * Decode with speculation, as the scheduler runs it: each step verifies every sequence's last token and its drafts
     * together, and with MTP the layer then drafts from the positions each sequence kept. Random weights guess nothing,
     * so a seeded coin accepts each draft with probability {@code acceptRate} (a sequence's first refusal ends its
     * run); what a step costs does not depend on whether its guesses were right.
     *
     * @param tokensPerSecond tokens generated per second by all sequences together, per repetition
     * @param tokensPerStep   tokens a step yielded per sequence, on average
     * @param verifyMillis    one verify step (every sequence's last token and drafts through the main model), on average
     * @param draftMillis     one MTP pass after a step, on average (0 for n-gram drafts, whose lookup is not timed)
     */
    public record Speculative(double[] tokensPerSecond, double tokensPerStep, double verifyMillis, double draftMillis) {
    }

    public static Speculative measureSpeculative(Glm4Moe glm, KvType type, Speculation speculation, int sequences,
                                                 int genTokens, double acceptRate, int repetitions) {
        if (!speculation.drafts() || sequences < 1 || genTokens < 1 || repetitions < 1
                || !(acceptRate >= 0 && acceptRate <= 1)) {
            throw new IllegalArgumentException("speculative decoding needs a draft method, at least 1 sequence, token and "
                    + "repetition and an acceptance rate in [0, 1], got " + speculation + ", " + sequences + ", "
                    + genTokens + ", " + repetitions + " and " + acceptRate);
        }
        boolean mtp = speculation.method() == Speculation.Method.MTP;
        int k = speculation.draftTokens();
        int hidden = glm.config().hiddenSize();
        int vocab = glm.config().vocabSize();
        // room for a sequence whose drafts all hold while the slowest one's never do
        int capacity = Math.ceilDiv((k + 1) * (genTokens + 1), KvPool.BLOCK_TOKENS) * KvPool.BLOCK_TOKENS;
        SplittableRandom random = new SplittableRandom(42);
        double[] rates = new double[repetitions];
        long steps = 0;
        long yielded = 0;
        long verifyNanos = 0;
        long draftNanos = 0;
        for (int r = 0; r < repetitions; r++) {
            List<KvCache> caches = new ArrayList<>();
            try (KvPool pool = new KvPool(glm.kvLayout(type, mtp), sequences * capacity)) {
                int[] tokens = new int[sequences];
                int[][] drafts = new int[sequences][0];
                for (int s = 0; s < sequences; s++) {
                    caches.add(new KvCache(pool, capacity));
                    tokens[s] = random.nextInt(vocab);
                }
                int emitted = 0;
                long generated = 0;
                long start = System.nanoTime();
                while (emitted < genTokens) {
                    List<Glm4Moe.Step> step = new ArrayList<>();
                    int[] before = new int[sequences];
                    for (int s = 0; s < sequences; s++) {
                        before[s] = caches.get(s).length();
                        int[] input = new int[1 + drafts[s].length];
                        input[0] = tokens[s];
                        System.arraycopy(drafts[s], 0, input, 1, drafts[s].length);
                        step.add(new Glm4Moe.Step(caches.get(s), input, drafts[s].length > 0, drafts[s].length));
                    }
                    long verifyStart = System.nanoTime();
                    List<Glm4Moe.Output> outputs = glm.forward(step);
                    verifyNanos += System.nanoTime() - verifyStart;
                    List<Glm4Moe.DraftStep> draftSteps = new ArrayList<>();
                    int fewest = Integer.MAX_VALUE;
                    for (int s = 0; s < sequences; s++) {
                        int accepted = 0;
                        while (accepted < drafts[s].length && random.nextDouble() < acceptRate) {
                            accepted++;
                        }
                        caches.get(s).advance(Arrays.copyOf(drafts[s], accepted));
                        fewest = Math.min(fewest, accepted + 1);
                        generated += accepted + 1;
                        int[] next = Arrays.copyOfRange(step.get(s).tokens(), 1, accepted + 2);
                        tokens[s] = random.nextInt(vocab);
                        next[accepted] = tokens[s];
                        draftSteps.add(new Glm4Moe.DraftStep(caches.get(s), before[s],
                                Arrays.copyOf(outputs.get(s).hidden(), (accepted + 1) * hidden), next));
                    }
                    // the sequences advance unevenly; the slowest one's tokens count, as no sequence stops early
                    emitted += fewest;
                    steps++;
                    List<float[]> draftLogits = List.of();
                    if (mtp) {
                        long draftStart = System.nanoTime();
                        draftLogits = glm.draft(draftSteps);
                        draftNanos += System.nanoTime() - draftStart;
                    }
                    for (int s = 0; s < sequences; s++) {
                        drafts[s] = mtp ? new int[]{Sampler.argmax(draftLogits.get(s), vocab)}
                                : random.ints(k, 0, vocab).toArray();
                    }
                }
                rates[r] = generated / ((System.nanoTime() - start) / 1e9);
                yielded += generated;
            } finally {
                caches.forEach(KvCache::close);
            }
        }
        return new Speculative(rates, (double) yielded / steps / sequences, verifyNanos / 1e6 / steps,
                draftNanos / 1e6 / steps);
    }

    /**
     * Decode of known answers with n-gram drafts: each answer is decoded once plainly and once with drafts looked up
     * in its prompt and what came of the answer so far, a draft holding while it agrees with the answer, as if the
     * model had written that answer (greedy decoding that reproduces it gives exactly these steps). Prompts are
     * prefilled untimed; the first answer token comes of the prefill, so each answer times its other tokens.
     *
     * @param plainTokensPerSecond       answer tokens per second decoded one at a time, all answers together
     * @param speculativeTokensPerSecond the same with drafts
     * @param draftTokens                drafts verified
     * @param acceptedDraftTokens        drafts that held
     * @param steps                      verify steps taken
     * @param tokens                     answer tokens timed
     */
    public record Replay(double plainTokensPerSecond, double speculativeTokensPerSecond, long draftTokens,
                         long acceptedDraftTokens, long steps, long tokens) {
    }

    public static Replay replayAnswers(Glm4Moe glm, KvType type, int maxDrafts, List<int[]> prompts, List<int[]> answers) {
        if (maxDrafts < 1 || prompts.size() != answers.size() || prompts.isEmpty()) {
            throw new IllegalArgumentException("a replay needs at least one draft and one answer per prompt, got "
                    + maxDrafts + " drafts for " + prompts.size() + " prompts and " + answers.size() + " answers");
        }
        long plainNanos = 0;
        long speculativeNanos = 0;
        long drafted = 0;
        long accepted = 0;
        long steps = 0;
        long tokens = 0;
        for (int item = 0; item < prompts.size(); item++) {
            int[] prompt = prompts.get(item);
            int[] answer = answers.get(item);
            int[] context = Arrays.copyOf(prompt, prompt.length + answer.length);
            System.arraycopy(answer, 0, context, prompt.length, answer.length);
            try (KvPool pool = new KvPool(glm.config(), type, context.length + maxDrafts + 1);
                 KvCache plain = new KvCache(pool, pool.capacityTokens())) {
                glm.forward(prompt, plain, false);
                long start = System.nanoTime();
                for (int i = 0; i + 1 < answer.length; i++) {
                    glm.forward(new int[]{answer[i]}, plain, false);
                }
                plainNanos += System.nanoTime() - start;
            }
            try (KvPool pool = new KvPool(glm.config(), type, context.length + maxDrafts + 1);
                 KvCache cache = new KvCache(pool, pool.capacityTokens())) {
                glm.forward(prompt, cache, false);
                long start = System.nanoTime();
                // answer[0, known) has been drawn; answer[known - 1] is the one token not yet in the cache
                for (int known = 1; known < answer.length; ) {
                    int[] drafts = NgramDrafter.draft(context, prompt.length + known, Math.min(maxDrafts, answer.length - known - 1));
                    int[] input = new int[1 + drafts.length];
                    input[0] = answer[known - 1];
                    System.arraycopy(drafts, 0, input, 1, drafts.length);
                    glm.forward(List.of(new Glm4Moe.Step(cache, input, drafts.length > 0, drafts.length)));
                    int held = 0;
                    while (held < drafts.length && drafts[held] == answer[known + held]) {
                        held++;
                    }
                    cache.advance(Arrays.copyOf(drafts, held));
                    drafted += drafts.length;
                    accepted += held;
                    steps++;
                    known += held + 1;
                }
                speculativeNanos += System.nanoTime() - start;
            }
            tokens += answer.length - 1;
        }
        return new Replay(tokens / (plainNanos / 1e9), tokens / (speculativeNanos / 1e9), drafted, accepted, steps, tokens);
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
