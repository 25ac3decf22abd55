package dev.glint.engine.sampling;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    private static final float[] LOGITS = {
            (float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.15), (float) Math.log(0.1)};

    private static int[] histogram(SamplingParams params, int draws) {
        Sampler sampler = new Sampler(params);
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(LOGITS, LOGITS.length)]++;
        }
        return counts;
    }

    @Test
    void greedyTakesTheArgmax() {
        assertEquals(0, new Sampler(SamplingParams.greedy()).sample(LOGITS, 4));
        assertEquals(2, new Sampler(SamplingParams.greedy()).sample(new float[]{1, 2, 3, -1}, 4));
    }

    @Test
    void temperatureOneDrawsTheModelsDistribution() {
        int draws = 40_000;
        int[] counts = histogram(new SamplingParams(1, 0, 1, 0, 7), draws);
        double[] expected = {0.5, 0.25, 0.15, 0.1};
        for (int i = 0; i < 4; i++) {
            double frequency = counts[i] / (double) draws;
            assertEquals(expected[i], frequency, 0.01, "frequency of token " + i);
        }
    }

    @Test
    void filtersRemoveTheTail() {
        int[] topK = histogram(new SamplingParams(1, 2, 1, 0, 1), 5000);
        assertEquals(0, topK[2] + topK[3], "top_k 2 keeps tokens 0 and 1 only");
        int[] topP = histogram(new SamplingParams(1, 0, 0.7, 0, 2), 5000);
        assertEquals(0, topP[2] + topP[3], "top_p 0.7 is reached by 0.5 + 0.25");
        assertTrue(topP[1] > 0, "top_p keeps the token that crosses the threshold");
        int[] minP = histogram(new SamplingParams(1, 0, 1, 0.4, 3), 5000);
        assertEquals(0, minP[2] + minP[3], "min_p 0.4 drops tokens below 0.2");
    }

    @Test
    void logitBiasBansAndForcesTokens() {
        SamplingParams banned = SamplingParams.greedy().withLogitBias(Map.of(0, -100f));
        assertEquals(1, new Sampler(banned).sample(LOGITS.clone(), 4), "-100 on the argmax leaves the runner-up");
        Sampler forced = new Sampler(new SamplingParams(1, 0, 1, 0, 9).withLogitBias(Map.of(3, 100f)));
        for (int i = 0; i < 1000; i++) {
            // exp(100) against the other tokens' odds of at most 5: any other draw would be a bug
            assertEquals(3, forced.sample(LOGITS.clone(), 4), "+100 forces token 3, draw " + i);
        }
        // A bias moves a logit by its amount: token 2 overtakes token 0 past ln(0.5 / 0.15) = 1.204.
        assertEquals(0, new Sampler(SamplingParams.greedy().withLogitBias(Map.of(2, 1.15f))).sample(LOGITS.clone(), 4));
        assertEquals(2, new Sampler(SamplingParams.greedy().withLogitBias(Map.of(2, 1.25f))).sample(LOGITS.clone(), 4));
    }

    @Test
    void theSameSeedGivesTheSameDraws() {
        SamplingParams params = new SamplingParams(0.8, 0, 0.95, 0, 1234);
        Sampler a = new Sampler(params);
        Sampler b = new Sampler(params);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.sample(LOGITS, 4), b.sample(LOGITS, 4), "draw " + i);
        }
    }

    @Test
    void lowTemperatureSharpensTowardsTheArgmax() {
        int[] counts = histogram(new SamplingParams(0.05, 0, 1, 0, 5), 2000);
        assertEquals(2000, counts[0]);
    }

    @Test
    void invalidParametersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-1, 0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, -1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 1, 1.5, 0));
    }

    @Test
    void penaltiesPushGreedyAwayFromRepeatedTokens() {
        float[] logits = {2.0f, 1.9f, 0.5f};
        Sampler presence = new Sampler(new SamplingParams(0, 0, 1, 0, 0, 0.5, 0, 1));
        assertEquals(0, presence.sample(logits.clone(), 3));
        assertEquals(1, presence.sample(logits.clone(), 3), "token 0 was generated: 2.0 - 0.5 < 1.9");

        Sampler frequency = new Sampler(new SamplingParams(0, 0, 1, 0, 0, 0, 0.06, 1));
        assertEquals(0, frequency.sample(logits.clone(), 3));
        assertEquals(0, frequency.sample(logits.clone(), 3), "2.0 - 0.06 > 1.9");
        assertEquals(1, frequency.sample(logits.clone(), 3), "2.0 - 0.12 < 1.9");

        Sampler repetition = new Sampler(new SamplingParams(0, 0, 1, 0, 0, 0, 0, 1.1), new int[]{0});
        assertEquals(1, repetition.sample(logits.clone(), 3), "prompt token 0: 2.0 / 1.1 < 1.9");
    }
}
