package dev.glint.engine.sampling;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Draws token ids from logits according to {@link SamplingParams}; one sampler per sequence, seeded once. It
 * remembers the prompt and what it drew, for the penalties.
 */
public final class Sampler {
    private final SamplingParams params;
    private final TokenConstraint constraint;
    private final SplittableRandom random;
    private final Set<Integer> seen = new HashSet<>();
    private final Map<Integer, Integer> generatedCounts = new HashMap<>();

    public Sampler(SamplingParams params) {
        this(params, new int[0]);
    }

    public Sampler(SamplingParams params, int[] prompt) {
        this(params, prompt, null);
    }

    /** With a constraint (or null) that decides which tokens may come at all. */
    public Sampler(SamplingParams params, int[] prompt, TokenConstraint constraint) {
        this.params = params;
        this.constraint = constraint;
        this.random = new SplittableRandom(params.seed());
        for (int id : prompt) {
            seen.add(id);
        }
    }

    /** Picks a token from {@code logits[0, vocab)} (which it may change, to apply penalties). */
    public int sample(float[] logits, int vocab) {
        if (constraint != null) {
            constraint.mask(logits, vocab);
        }
        params.logitBias().forEach((id, bias) -> {
            if (id < vocab) {
                logits[id] += bias;
            }
        });
        if (params.hasPenalties()) {
            penalize(logits);
        }
        int token = draw(logits, vocab);
        if (constraint != null) {
            constraint.accept(token);
        }
        seen.add(token);
        generatedCounts.merge(token, 1, Integer::sum);
        return token;
    }

    private void penalize(float[] logits) {
        float repetition = (float) params.repetitionPenalty();
        if (repetition != 1f) {
            for (int id : seen) {
                logits[id] = logits[id] > 0 ? logits[id] / repetition : logits[id] * repetition;
            }
        }
        generatedCounts.forEach((id, count) ->
                logits[id] -= (float) (params.presencePenalty() + params.frequencyPenalty() * count));
    }

    private int draw(float[] logits, int vocab) {
        if (params.isGreedy()) {
            return argmax(logits, vocab);
        }
        int[] order = candidatesByLogit(logits, vocab, params.temperature());
        int kept = params.topK() > 0 ? Math.min(params.topK(), order.length) : order.length;
        double max = logits[order[0]];
        double[] probabilities = new double[kept];
        double total = 0;
        for (int i = 0; i < kept; i++) {
            probabilities[i] = Math.exp((logits[order[i]] - max) / params.temperature());
            total += probabilities[i];
        }
        double cumulative = 0;
        int nucleus = kept;
        for (int i = 0; i < kept; i++) {
            probabilities[i] /= total;
            cumulative += probabilities[i];
            if (cumulative >= params.topP()) {
                nucleus = i + 1;
                break;
            }
        }
        double floor = params.minP() * probabilities[0];
        int survivors = 0;
        double mass = 0;
        while (survivors < nucleus && probabilities[survivors] >= floor) {
            mass += probabilities[survivors++];
        }
        double draw = random.nextDouble() * mass;
        for (int i = 0; i < survivors; i++) {
            draw -= probabilities[i];
            if (draw < 0) {
                return order[i];
            }
        }
        return order[survivors - 1];
    }

    public static int argmax(float[] logits, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Token ids by descending logit, leaving out those whose probability is below 1e-12 of the most likely one (their
     * total mass is negligible even over a 150K vocabulary), so a draw sorts hundreds of ids, not the vocabulary.
     */
    private static int[] candidatesByLogit(float[] logits, int vocab, double temperature) {
        float max = logits[argmax(logits, vocab)];
        double cutoff = max - temperature * NEGLIGIBLE_LOG_RATIO;
        long[] keys = new long[vocab];
        int count = 0;
        for (int i = 0; i < vocab; i++) {
            if (logits[i] >= cutoff) {
                // Descending logit, then ascending id: sort (inverted order-preserving float bits, id) ascending.
                keys[count++] = ((long) ~sortableBits(logits[i]) << 32) | i;
            }
        }
        long[] sorted = Arrays.copyOf(keys, count);
        Arrays.sort(sorted);
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = (int) sorted[i];
        }
        return order;
    }

    private static final double NEGLIGIBLE_LOG_RATIO = Math.log(1e12);

    /** Float bits mapped to signed ints that order like the floats. */
    private static int sortableBits(float value) {
        int bits = Float.floatToIntBits(value);
        return bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
    }
}
