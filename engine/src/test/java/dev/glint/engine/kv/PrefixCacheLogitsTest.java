package dev.glint.engine.kv;

import dev.glint.engine.model.Glm4Moe;
import dev.glint.kernels.KvType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.glint.engine.model.ReferenceLogits.argmax;
import static dev.glint.engine.model.ReferenceLogits.fixture;
import static dev.glint.engine.model.ReferenceLogits.intArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keys and values reused from the prefix cache are exactly the ones computing them again gives: a cache hit is held
 * bit for bit to a cold run that splits the prompt where the cache does. Against the prompt in one batch the matrix
 * kernels may round differently (a product of one token takes another path than one of many), so that comparison
 * allows 1e-4 and prints what it measured (0 on this fixture with the current kernels).
 */
class PrefixCacheLogitsTest {
    private static final int CACHED = 43 * KvPool.BLOCK_TOKENS;

    @Test
    void aPromptThatHitsTheCacheGetsTheLogitsOfAColdRun() throws IOException {
        Path dir = fixture("glm46-long");
        int[] tokens = intArray(dir.resolve("tokens.json"));
        int[] prompt = Arrays.copyOf(tokens, 1000);
        int[] rest = Arrays.copyOfRange(prompt, CACHED, prompt.length);
        try (Glm4Moe model = Glm4Moe.load(dir, 2); KvPool pool = new KvPool(model.config(), KvType.F32, 2048)) {
            int vocab = model.config().vocabSize();
            float[] oneBatch;
            try (KvCache cache = model.newCache(prompt.length)) {
                oneBatch = model.forward(prompt, cache, false);
            }
            // The first runs are interpreted or C1-compiled, whose Vector API lane sums go in another order than C2's:
            // bits are only comparable once the kernels are warm.
            float[] first = splitInTwo(model, prompt, rest);
            System.out.printf("the same cold run twice while the JIT warms up: max difference %.3g%n",
                    maxDifference(first, splitInTwo(model, prompt, rest)));
            try (KvCache earlier = new KvCache(pool, 2048)) {
                model.forward(Arrays.copyOf(tokens, CACHED), earlier, false);
                model.forward(new int[]{7, 8, 9}, earlier, false);
            }
            try (KvCache cache = new KvCache(pool, 2048)) {
                assertEquals(CACHED, cache.reusePrefix(prompt, 1), "the earlier sequence's whole blocks");
                float[] warm = model.forward(rest, cache, false);
                assertArrayEquals(splitInTwo(model, prompt, rest), warm, 0f, "a cache hit against computing the same split cold");
                double worst = maxDifference(oneBatch, warm);
                System.out.printf("prefix cache: %d of %d prompt tokens reused, logits bit-identical to a cold run split "
                        + "the same way; max |logit - one-batch cold run| = %.3g%n", CACHED, prompt.length, worst);
                assertTrue(worst <= 1e-4, "a cache hit moves logits by " + worst + " against one batch");
                assertEquals(argmax(oneBatch, 0, vocab), argmax(warm, 0, vocab));
            }
        }
    }

    private static float[] splitInTwo(Glm4Moe model, int[] prompt, int[] rest) {
        try (KvCache cache = model.newCache(prompt.length)) {
            model.forward(Arrays.copyOf(prompt, CACHED), cache, false);
            return model.forward(rest, cache, false);
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
