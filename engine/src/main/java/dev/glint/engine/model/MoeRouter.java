package dev.glint.engine.model;

import java.util.Arrays;

/**
 * GLM-4.5's expert choice ("noaux_tc"): sigmoid scores; the correction bias is added for choosing experts only;
 * group-limited top-k; the chosen experts are weighted by their unbiased scores, renormalised and scaled.
 */
public final class MoeRouter {

    /** The experts one token goes to and the weight of each. */
    public record Route(int[] experts, float[] weights) {
    }

    private final int experts;
    private final int perToken;
    private final int groups;
    private final int keptGroups;
    private final boolean normalize;
    private final float scale;

    public MoeRouter(Glm4MoeConfig config) {
        this.experts = config.nRoutedExperts();
        this.perToken = config.numExpertsPerTok();
        this.groups = config.nGroup();
        this.keptGroups = config.topkGroup();
        this.normalize = config.normTopkProb();
        this.scale = config.routedScalingFactor();
    }

    /** Routes one token from its float32 router logits {@code logits[off, off + experts)}. */
    public Route route(float[] logits, int off, float[] correctionBias) {
        float[] scores = new float[experts];
        float[] choice = new float[experts];
        for (int e = 0; e < experts; e++) {
            scores[e] = (float) (1.0 / (1.0 + Math.exp(-logits[off + e])));
            choice[e] = scores[e] + correctionBias[e];
        }
        if (groups > 1) {
            maskDroppedGroups(choice);
        }
        int[] chosen = topK(choice, perToken);
        float[] weights = new float[perToken];
        float sum = 0f;
        for (int j = 0; j < perToken; j++) {
            weights[j] = scores[chosen[j]];
            sum += weights[j];
        }
        float denominator = normalize ? sum + 1e-20f : 1f;
        for (int j = 0; j < perToken; j++) {
            weights[j] = weights[j] / denominator * scale;
        }
        return new Route(chosen, weights);
    }

    /** Keeps the {@code topk_group} groups whose two best experts score highest; the others' choice scores become 0. */
    private void maskDroppedGroups(float[] choice) {
        int size = experts / groups;
        float[] groupScores = new float[groups];
        for (int g = 0; g < groups; g++) {
            float best = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int e = g * size; e < (g + 1) * size; e++) {
                if (choice[e] > best) {
                    second = best;
                    best = choice[e];
                } else if (choice[e] > second) {
                    second = choice[e];
                }
            }
            groupScores[g] = best + second;
        }
        boolean[] kept = new boolean[groups];
        for (int g : topK(groupScores, keptGroups)) {
            kept[g] = true;
        }
        for (int g = 0; g < groups; g++) {
            if (!kept[g]) {
                Arrays.fill(choice, g * size, (g + 1) * size, 0f);
            }
        }
    }

    /** Indices of the {@code k} largest values, best first; ties go to the lower index. */
    static int[] topK(float[] values, int k) {
        int[] best = new int[k];
        boolean[] taken = new boolean[values.length];
        for (int j = 0; j < k; j++) {
            int arg = -1;
            for (int i = 0; i < values.length; i++) {
                if (!taken[i] && (arg < 0 || values[i] > values[arg])) {
                    arg = i;
                }
            }
            taken[arg] = true;
            best[j] = arg;
        }
        return best;
    }
}
