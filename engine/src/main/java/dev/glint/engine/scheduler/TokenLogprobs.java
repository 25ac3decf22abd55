package dev.glint.engine.scheduler;

/**
 * Log-probabilities of a sampled token and of the most likely alternatives at its position, from the model's own
 * distribution (log-softmax of the raw logits, before penalties and temperature), as OpenAI's logprobs report them.
 */
public record TokenLogprobs(int token, float logprob, int[] topTokens, float[] topLogprobs) {

    /** Computes them from the logits of one position; {@code top} alternatives, best first. */
    public static TokenLogprobs of(float[] logits, int vocab, int token, int top) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[i] - max);
        }
        double logNormalizer = max + Math.log(sum);
        int[] best = new int[top];
        float[] bestLogprobs = new float[top];
        boolean[] taken = new boolean[vocab];
        for (int j = 0; j < top; j++) {
            int arg = -1;
            for (int i = 0; i < vocab; i++) {
                if (!taken[i] && (arg < 0 || logits[i] > logits[arg])) {
                    arg = i;
                }
            }
            taken[arg] = true;
            best[j] = arg;
            bestLogprobs[j] = (float) (logits[arg] - logNormalizer);
        }
        return new TokenLogprobs(token, (float) (logits[token] - logNormalizer), best, bestLogprobs);
    }
}
