package dev.glint.engine.model;

import java.util.stream.IntStream;

/**
 * Parameter counts and bytes of a {@code glm4_moe} model, from its config: what a token touches (the attention,
 * dense and shared weights, {@code num_experts_per_tok} routed experts and the LM head) against what is stored.
 * The MTP layer is not counted: the main forward pass never runs it.
 */
public record Footprint(long totalParameters, long activeParameters, long embeddingParameters) {

    public static Footprint of(Glm4MoeConfig c) {
        long h = c.hiddenSize();
        long attention = c.qDim() * h + 2L * c.kvDim() * h + h * c.qDim()
                + (c.attentionBias() ? c.qDim() + 2L * c.kvDim() : 0)
                + (c.useQkNorm() ? 2L * c.headDim() : 0)
                + 2 * h;
        long dense = 3 * h * c.intermediateSize();
        long expert = 3 * h * c.moeIntermediateSize();
        long routerAndShared = c.nRoutedExperts() * h + c.nRoutedExperts() + c.nSharedExperts() * expert;
        long total = 0;
        long active = 0;
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            if (c.isMoeLayer(l)) {
                total += attention + routerAndShared + c.nRoutedExperts() * expert;
                active += attention + routerAndShared + c.numExpertsPerTok() * expert;
            } else {
                total += attention + dense;
                active += attention + dense;
            }
        }
        long embedding = c.vocabSize() * h;
        long head = c.tieWordEmbeddings() ? 0 : embedding;
        total += embedding + head + h;
        active += embedding + head + h;
        return new Footprint(total, active, embedding);
    }

    /** Weights a decode step reads: the active ones but the embedding table, of which it reads one row. */
    public long weightsReadPerToken() {
        return activeParameters - embeddingParameters;
    }

    /**
     * Weights a decode step of {@code tokens} sequences reads when each token picks its {@code num_experts_per_tok}
     * experts uniformly at random: every layer reads the union of their experts, of expected size
     * {@code E · (1 − (1 − k/E)^tokens)} (each expert is missed by a token with probability {@code 1 − k/E}).
     * Trained routers are less uniform, so a real step reads at most this.
     */
    public static double weightsReadPerStep(Glm4MoeConfig c, int tokens) {
        double experts = c.nRoutedExperts(), k = c.numExpertsPerTok();
        double union = experts * (1 - Math.pow(1 - k / experts, tokens));
        long moeLayers = IntStream.range(0, c.numHiddenLayers()).filter(c::isMoeLayer).count();
        return of(c).weightsReadPerToken() + moeLayers * (union - k) * 3.0 * c.hiddenSize() * c.moeIntermediateSize();
    }
}
