package dev.glint.engine.eval;

import dev.glint.engine.kv.KvCache;
import dev.glint.engine.kv.KvPool;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.kernels.KvType;
import org.junit.jupiter.api.Test;

import static dev.glint.engine.model.ReferenceLogits.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cache filled to a depth with synthetic rows, as {@code glint bench --depth} uses it, and cut back to that depth. */
class SyntheticRowsTest {
    private static final int DEPTH = 5 * KvPool.BLOCK_TOKENS + 7;
    private static final int[] NEXT = {11, 12, 13};

    @Test
    void decodeAfterAFillRunsAtThatDepthAndAttendsOverTheRows() {
        try (Glm4Moe model = Glm4Moe.load(fixture("glm45-tiny"), 1)) {
            for (KvType type : KvType.values()) {
                float[] afterFill;
                try (KvCache cache = new KvCache(model.config(), type, DEPTH + NEXT.length)) {
                    SyntheticRows.fill(cache, DEPTH, 7);
                    assertEquals(DEPTH, cache.length(), type + ": the cache holds the depth");
                    afterFill = model.forward(NEXT, cache, false);
                    assertEquals(DEPTH + NEXT.length, cache.length(), type + ": decode went on after the depth");
                }
                for (float logit : afterFill) {
                    assertTrue(Float.isFinite(logit), type + ": logits after synthetic rows are finite, got " + logit);
                }
                // 1e-4, not 0: the JIT may compile a kernel between runs, and C2's lane sums go in another order.
                double same = maxDifference(afterFill, decodedAfter(model, type, 7));
                double other = maxDifference(afterFill, decodedAfter(model, type, 8));
                assertTrue(same <= 1e-4, type + ": the same seed moved logits by " + same);
                assertTrue(other > 1e-2, type + ": other rows change what the tokens attend to, moved logits by only " + other);
            }
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static float[] decodedAfter(Glm4Moe model, KvType type, long seed) {
        try (KvCache cache = new KvCache(model.config(), type, DEPTH + NEXT.length)) {
            SyntheticRows.fill(cache, DEPTH, seed);
            return model.forward(NEXT, cache, false);
        }
    }

    @Test
    void truncatingBackToTheDepthGivesBackTheBlocksAndTheSameLogitsAgain() {
        try (Glm4Moe model = Glm4Moe.load(fixture("glm45-tiny"), 1);
             KvPool pool = new KvPool(model.config(), KvType.BF16, 8 * KvPool.BLOCK_TOKENS)) {
            try (KvCache cache = new KvCache(pool, pool.capacityTokens())) {
                SyntheticRows.fill(cache, DEPTH, 3);
                int held = pool.blocksInUse();
                float[] first = model.forward(NEXT, cache, false);
                model.forward(new int[2 * KvPool.BLOCK_TOKENS], cache, false);
                assertTrue(pool.blocksInUse() > held, "the longer sequence took more blocks");
                cache.truncate(DEPTH);
                assertEquals(DEPTH, cache.length());
                assertEquals(held, pool.blocksInUse(), "blocks past the depth went back to the pool");
                assertArrayEquals(first, model.forward(NEXT, cache, false), 1e-4f, "the same step at the same depth");
                assertThrows(IllegalArgumentException.class, () -> cache.truncate(DEPTH + 100));
            }
            try (KvCache cache = new KvCache(pool, pool.capacityTokens())) {
                assertEquals(0, cache.reusePrefix(new int[DEPTH + 1], 1), "synthetic rows are no tokens' keys: not cached");
            }
        }
    }
}
