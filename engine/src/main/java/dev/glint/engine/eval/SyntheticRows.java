package dev.glint.engine.eval;

import dev.glint.engine.kv.KvCache;
import dev.glint.engine.kv.KvLayout;

import java.util.SplittableRandom;

/**
 * A depth of context for {@link Throughput}, as llama-bench's {@code -d} gives one but without its prefill: keys and
 * values drawn at random, stored through the cache's usual path in its KV type. What attention costs does not depend
 * on the values, only on their count and type.
 */
final class SyntheticRows {
    private SyntheticRows() {
    }

    /**
     * Grows {@code cache} to {@code depth} positions of unit-normal keys and values (the scale of normalised
     * activations; the same for the same {@code seed}). They are no tokens' keys, so they stay out of the prefix cache.
     */
    static void fill(KvCache cache, int depth, long seed) {
        int from = cache.length();
        if (depth < from) {
            throw new IllegalArgumentException("the sequence already holds " + from + " positions, more than " + depth);
        }
        cache.reserve(depth - from);
        KvLayout layout = cache.layout();
        float[] k = new float[layout.kvHeads() * layout.headDim()];
        float[] v = new float[k.length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int position = from; position < depth; position++) {
            for (int layer = 0; layer < layout.layers(); layer++) {
                for (int i = 0; i < k.length; i++) {
                    k[i] = (float) random.nextGaussian();
                    v[i] = (float) random.nextGaussian();
                }
                cache.store(layer, position, k, 0, v, 0);
            }
        }
        cache.advanceWithoutTokens(depth - from);
    }
}
