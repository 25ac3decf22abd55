package dev.glint.engine.generate;

import dev.glint.engine.kv.KvCache;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.sampling.Sampler;

import java.util.Arrays;
import java.util.Set;
import java.util.function.IntConsumer;

/** Prefills a prompt as one batch, then decodes one token at a time through the KV cache until a stop id or the limit. */
public final class Generator {
    private final Glm4Moe model;
    private final int sampledTokens;

    /**
     * Draws only ids below {@code definedTokens}, the tokenizer's: checkpoints pad their vocabulary past the ids their
     * tokenizer defines, and a padding id would be generated as nothing at all.
     */
    public Generator(Glm4Moe model, int definedTokens) {
        if (definedTokens < 1) {
            throw new IllegalArgumentException("the tokenizer must define at least one token, got " + definedTokens);
        }
        this.model = model;
        this.sampledTokens = Math.min(definedTokens, model.config().vocabSize());
    }

    /**
     * Generates at most {@code maxTokens} ids after {@code prompt}; a stop id ends generation and is included.
     * Each id is also handed to {@code onToken} as soon as it is chosen.
     */
    public int[] generate(int[] prompt, int maxTokens, Sampler sampler, Set<Integer> stopIds, IntConsumer onToken) {
        int context = model.config().maxPositionEmbeddings();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: generation needs at least one token");
        }
        if (prompt.length >= context) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, the model's context is "
                    + context + ": no room to generate");
        }
        int budget = Math.min(maxTokens, context - prompt.length);
        int[] generated = new int[budget];
        int count = 0;
        try (KvCache cache = model.newCache(prompt.length + budget)) {
            float[] logits = model.forward(prompt, cache, false);
            while (count < budget) {
                int next = sampler.sample(logits, sampledTokens);
                generated[count++] = next;
                onToken.accept(next);
                if (stopIds.contains(next) || count == budget) {
                    break;
                }
                logits = model.forward(new int[]{next}, cache, false);
            }
        }
        return Arrays.copyOf(generated, count);
    }
}
