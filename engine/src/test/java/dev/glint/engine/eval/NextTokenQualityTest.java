package dev.glint.engine.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NextTokenQualityTest {

    @Test
    void klTopOneAndPerplexityFollowTheirDefinitions() {
        int[] tokens = {0, 1, 1};
        float[] reference = {0, 0, (float) Math.log(3), 0, 0, 0};
        float[] candidate = {0, (float) Math.log(3), 0, 0, 0, 0};
        NextTokenQuality same = NextTokenQuality.of(List.of(tokens), List.of(uniform(3)), List.of(uniform(3)), 2);
        assertEquals(0, same.meanKl(), 1e-12);
        assertEquals(2, same.perplexity(), 1e-9, "uniform over two tokens");
        NextTokenQuality moved = NextTokenQuality.of(List.of(tokens), List.of(reference), List.of(candidate), 2);
        // Position 0: P = (1/2, 1/2), Q = (1/4, 3/4); position 1: P = (3/4, 1/4), Q = (1/2, 1/2); position 2 agrees.
        double kl0 = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
        double kl1 = 0.75 * Math.log(0.75 / 0.5) + 0.25 * Math.log(0.25 / 0.5);
        assertEquals((kl0 + kl1) / 3, moved.meanKl(), 1e-6);
        assertEquals(Math.max(kl0, kl1), moved.maxKl(), 1e-6);
        assertEquals(2.0 / 3, moved.top1Agreement(), 1e-12, "at position 0 the reference's tie goes to token 0, Q picks 1");
        assertEquals(Math.exp(-(Math.log(0.5) + Math.log(0.75)) / 2), moved.perplexity(), 1e-6);
    }

    private static float[] uniform(int positions) {
        return new float[positions * 2];
    }
}
