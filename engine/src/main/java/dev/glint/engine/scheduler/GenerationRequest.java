package dev.glint.engine.scheduler;

import dev.glint.engine.sampling.SamplingParams;

import java.util.Set;

/** A prompt as token ids and how to continue it; a stop id ends the generation and is reported like any token. */
public record GenerationRequest(int[] prompt, int maxTokens, SamplingParams sampling, Set<Integer> stopIds) {
    public GenerationRequest {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: generation needs at least one token");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be at least 1, got " + maxTokens);
        }
        stopIds = Set.copyOf(stopIds);
    }
}
