package dev.glint.engine.eval;

import java.util.List;

/**
 * How a model's next-token distributions over a text compare with a reference model's: the KL divergence
 * {@code KL(P_ref ‖ P) = Σ p_ref · (log p_ref − log p)} at each position (mean and max), how often both pick the same
 * most likely token, and the perplexity of the text itself, {@code exp(mean −log p(next token))}. The text is read in
 * windows, each from an empty KV cache, as llama.cpp's perplexity tool reads it in chunks of its context.
 */
public record NextTokenQuality(double meanKl, double maxKl, double top1Agreement, double perplexity, int positions) {

    /**
     * @param windows   the text's tokens, in windows each run from an empty cache
     * @param reference the reference's logits {@code [n][vocab]} for each window's {@code n} tokens
     * @param logits    the compared model's logits for the same windows
     */
    public static NextTokenQuality of(List<int[]> windows, List<float[]> reference, List<float[]> logits, int vocab) {
        double klSum = 0, klMax = 0, nll = 0;
        int agree = 0, positions = 0, predicted = 0;
        double[] logP = new double[vocab];
        double[] logQ = new double[vocab];
        for (int w = 0; w < windows.size(); w++) {
            int[] tokens = windows.get(w);
            int n = tokens.length;
            if (reference.get(w).length != (long) n * vocab || logits.get(w).length != (long) n * vocab) {
                throw new IllegalArgumentException("window " + w + ": logits of " + n + " positions over " + vocab + " tokens expected");
            }
            for (int t = 0; t < n; t++) {
                logSoftmax(reference.get(w), t * vocab, logP);
                logSoftmax(logits.get(w), t * vocab, logQ);
                double kl = 0;
                for (int v = 0; v < vocab; v++) {
                    kl += Math.exp(logP[v]) * (logP[v] - logQ[v]);
                }
                klSum += kl;
                klMax = Math.max(klMax, kl);
                agree += argmax(logP) == argmax(logQ) ? 1 : 0;
                if (t + 1 < n) {
                    nll -= logQ[tokens[t + 1]];
                    predicted++;
                }
            }
            positions += n;
        }
        return new NextTokenQuality(klSum / positions, klMax, (double) agree / positions,
                Math.exp(nll / Math.max(1, predicted)), positions);
    }

    private static void logSoftmax(float[] logits, int offset, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < out.length; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < out.length; v++) {
            sum += Math.exp(logits[offset + v] - max);
        }
        double logSum = max + Math.log(sum);
        for (int v = 0; v < out.length; v++) {
            out[v] = logits[offset + v] - logSum;
        }
    }

    private static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
