package dev.glint.engine.model;

import dev.glint.engine.kv.KvCache;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Telling the operating system which weights to keep and which to fetch changes what is read from disk, not the logits. */
class WeightPagingTest {
    private static final Path GLM_NANO = Path.of("../models/glm-nano");
    private static final int[] PROMPT = {1482, 1484, 1487, 10, 490, 315, 32, 53, 51, 431, 32, 57, 51, 63, 1488};

    /**
     * The same logits with and without prefetching, to float rounding: the JIT's tiers reduce vector lanes in different
     * orders, so two identical forward passes early in a JVM's life differ in the last bits anyway.
     */
    @Test
    void prefetchingExpertsLeavesTheLogitsAsTheyAre() {
        try (Glm4Moe model = Glm4Moe.load(GLM_NANO, 2)) {
            float[] plain;
            try (KvCache cache = model.newCache(PROMPT.length)) {
                plain = model.forward(PROMPT, cache, true);
            }
            model.prefetchExperts(true);
            try (KvCache cache = model.newCache(PROMPT.length)) {
                ReferenceLogits.assertMatches("prefetching experts", plain, model.forward(PROMPT, cache, true),
                        model.config().vocabSize(), 1e-5);
            }
        }
    }

    /**
     * glm-nano's weights every token reads, counted from its config: each layer's q, k, v and o, the dense MLP, each MoE
     * layer's router and shared expert, and the LM head; routed experts and the embedding table are not locked.
     */
    @Test
    void lockingTakesTheWeightsEveryTokenReadsAndNotTheRoutedExperts() {
        try (Glm4Moe model = Glm4Moe.load(GLM_NANO, 1)) {
            Glm4MoeConfig c = model.config();
            int h = c.hiddenSize();
            long attention = (long) c.numHiddenLayers() * (2L * c.qDim() * h + 2L * c.kvDim() * h);
            long dense = 3L * c.intermediateSize() * h;
            long moeLayers = c.numHiddenLayers() - 1;
            long routersAndShared = moeLayers * ((long) c.nRoutedExperts() * h + 3L * c.moeIntermediateSize() * h);
            long head = (long) c.vocabSize() * h;
            long bf16Bytes = 2 * (attention + dense + routersAndShared + head);
            long matrices = 4L * c.numHiddenLayers() + 3 + 4 * moeLayers + 1;
            try {
                long locked = model.lockWeightsEveryTokenReads();
                // each matrix's bytes rounded out to whole pages at both ends
                assertTrue(locked >= bf16Bytes && locked <= bf16Bytes + 2 * 4096 * matrices,
                        "locked " + locked + " bytes for " + bf16Bytes + " bytes of " + matrices + " matrices");
            } catch (IllegalStateException refused) {
                assertTrue(refused.getMessage().contains("ulimit -l"), refused.getMessage());
            }
        }
    }
}
