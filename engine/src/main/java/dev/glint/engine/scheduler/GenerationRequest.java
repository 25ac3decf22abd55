package dev.glint.engine.scheduler;

import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.sampling.TokenConstraint;

import java.util.Set;

/**
 * A prompt as token ids and how to continue it; a stop id ends the generation and is reported like any token.
 * {@code logprobs} asks for that many alternatives' log-probabilities with each token (0 for the token's own only),
 * or none when negative. {@code constraint}, when not null, decides which tokens may come at all (structured output).
 */
public record GenerationRequest(int[] prompt, int maxTokens, SamplingParams sampling, Set<Integer> stopIds, int logprobs,
                                TokenConstraint constraint) {
    public GenerationRequest(int[] prompt, int maxTokens, SamplingParams sampling, Set<Integer> stopIds) {
        this(prompt, maxTokens, sampling, stopIds, -1, null);
    }

    public GenerationRequest(int[] prompt, int maxTokens, SamplingParams sampling, Set<Integer> stopIds, int logprobs) {
        this(prompt, maxTokens, sampling, stopIds, logprobs, null);
    }

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
