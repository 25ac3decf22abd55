package dev.glint.engine.sampling;

/**
 * How the next token is drawn. Temperature 0 is greedy (argmax). Otherwise, as in transformers and vLLM, logits are
 * divided by the temperature, then top-k, top-p (nucleus) and min-p (relative to the most likely token) filter the
 * candidates before a seeded draw. {@code topK} 0, {@code topP} 1 and {@code minP} 0 switch a filter off.
 */
public record SamplingParams(double temperature, int topK, double topP, double minP, long seed) {

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
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0, 0, 1, 0, 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
