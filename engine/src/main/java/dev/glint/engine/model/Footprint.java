package dev.glint.engine.model;

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
}
