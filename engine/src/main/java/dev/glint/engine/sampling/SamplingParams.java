package dev.glint.engine.sampling;

import java.util.Map;

/**
 * How the next token is drawn. OpenAI's {@code logitBias} (token id → a number added to its logit; ±100 bans or
 * forces a token) comes first; then the penalties, as in vLLM: {@code repetitionPenalty} (transformers' rule:
 * divide positive logits, multiply negative ones, for every token of the prompt and the output), then OpenAI's
 * {@code presencePenalty} (once per token that was generated) and {@code frequencyPenalty} (per occurrence).
 * Temperature 0 is greedy (argmax). Otherwise logits are divided by the temperature, then top-k, top-p (nucleus) and
 * min-p (relative to the most likely token) filter the candidates before a seeded draw. {@code topK} 0,
 * {@code topP} 1, {@code minP} 0, penalties 0 and repetition penalty 1 switch each off.
 */
public record SamplingParams(double temperature, int topK, double topP, double minP, long seed,
                             double presencePenalty, double frequencyPenalty, double repetitionPenalty,
                             Map<Integer, Float> logitBias) {

    public SamplingParams(double temperature, int topK, double topP, double minP, long seed) {
        this(temperature, topK, topP, minP, seed, 0, 0, 1);
    }

    public SamplingParams(double temperature, int topK, double topP, double minP, long seed,
                          double presencePenalty, double frequencyPenalty, double repetitionPenalty) {
        this(temperature, topK, topP, minP, seed, presencePenalty, frequencyPenalty, repetitionPenalty, Map.of());
    }

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2) || !(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new IllegalArgumentException("presence_penalty and frequency_penalty must be in [-2, 2], got "
                    + presencePenalty + " and " + frequencyPenalty);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition_penalty must be a finite number > 0, got " + repetitionPenalty);
        }
        logitBias = Map.copyOf(logitBias);
        logitBias.forEach((id, bias) -> {
            if (id < 0 || !Float.isFinite(bias)) {
                throw new IllegalArgumentException("logit_bias needs token ids >= 0 and finite biases, got " + id + ": " + bias);
            }
        });
    }

    public SamplingParams withLogitBias(Map<Integer, Float> bias) {
        return new SamplingParams(temperature, topK, topP, minP, seed, presencePenalty, frequencyPenalty, repetitionPenalty, bias);
    }

    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topK, topP, minP, newSeed, presencePenalty, frequencyPenalty, repetitionPenalty,
                logitBias);
    }

    boolean hasPenalties() {
        return presencePenalty != 0 || frequencyPenalty != 0 || repetitionPenalty != 1;
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0, 0, 1, 0, 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
