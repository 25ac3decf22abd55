package dev.glint.engine.kv;

import dev.glint.engine.model.Glm4MoeConfig;
import dev.glint.kernels.KvType;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static dev.glint.engine.model.ReferenceLogits.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Block accounting and the prefix cache of the KV pool, without a model: sequences only take blocks and tokens. */
class KvPoolTest {
    private static final Glm4MoeConfig CONFIG = Glm4MoeConfig.load(fixture("glm45-tiny"));
    private static final int B = KvPool.BLOCK_TOKENS;

    private static int[] tokens(int count, int first) {
        return IntStream.range(first, first + count).toArray();
    }

    /** A sequence that took {@code tokens} into {@code pool}, as a forward pass leaves it. */
    private static KvCache filled(KvPool pool, int[] tokens) {
        KvCache cache = new KvCache(pool, pool.capacityTokens());
        cache.reserve(tokens.length);
        cache.advance(tokens);
        return cache;
    }

    @Test
    void aFinishedSequenceLeavesItsFullBlocksForTheNextPromptWithTheSamePrefix() {
        try (KvPool pool = new KvPool(CONFIG, KvType.F32, 8 * B)) {
            int[] first = tokens(2 * B + 5, 0);
            filled(pool, first).close();
            assertEquals(8, pool.availableBlocks(), "closed sequences hold nothing");
            int[] second = tokens(3 * B, 0);
            second[2 * B + 1] = 999;
            try (KvCache cache = new KvCache(pool, pool.capacityTokens())) {
                assertEquals(2 * B, cache.reusePrefix(second, 1), "the two full blocks, not the partial third");
                assertEquals(2 * B, cache.length());
                assertEquals(6, pool.availableBlocks(), "the reused blocks are held again");
            }
        }
    }

    @Test
    void aPrefixMatchesBlockByBlockFromTheStartAndKeepsTheLastTokenToRecompute() {
        try (KvPool pool = new KvPool(CONFIG, KvType.F32, 8 * B)) {
            filled(pool, tokens(3 * B, 0)).close();
            int[] otherStart = tokens(3 * B, 0);
            otherStart[3] = 777;
            int[] otherSecondBlock = tokens(3 * B, 0);
            otherSecondBlock[B + 3] = 777;
            assertEquals(0, reused(pool, otherStart, 1), "the chain starts at the first block");
            assertEquals(B, reused(pool, otherSecondBlock, 1), "only the blocks before the difference");
            assertEquals(2 * B, reused(pool, tokens(3 * B, 0), 1), "an identical prompt recomputes its last block");
            assertEquals(3 * B, reused(pool, tokens(3 * B + 1, 0), 1));
        }
    }

    private static int reused(KvPool pool, int[] prompt, int recompute) {
        try (KvCache cache = new KvCache(pool, pool.capacityTokens())) {
            return cache.reusePrefix(prompt, recompute);
        }
    }

    @Test
    void theLeastRecentlyReleasedCachedBlocksAreEvictedFirstAndHeldOnesNever() {
        try (KvPool pool = new KvPool(CONFIG, KvType.F32, 4 * B)) {
            int[] older = tokens(2 * B, 0);
            int[] newer = tokens(2 * B, 500);
            filled(pool, older).close();
            filled(pool, newer).close();
            KvCache third = filled(pool, tokens(2 * B, 1000));
            assertEquals(0, reused(pool, tokens(2 * B + 1, 0), 1), "the older sequence's blocks made room");
            assertEquals(2 * B, reused(pool, tokens(2 * B + 1, 500), 1), "the newer one's are still cached");
            KvCache fourth = new KvCache(pool, pool.capacityTokens());
            assertTrue(fourth.tryReserve(2 * B), "the newer sequence's idle blocks are evicted for a running one");
            assertFalse(fourth.tryReserve(3 * B), "blocks that sequences hold are never taken");
            third.close();
            fourth.close();
        }
    }

    @Test
    void twoSequencesComputingTheSamePrefixIndexItOnceAndBothChainsGoOn() {
        try (KvPool pool = new KvPool(CONFIG, KvType.F32, 16 * B)) {
            KvCache a = filled(pool, tokens(2 * B, 0));
            KvCache b = filled(pool, tokens(4 * B, 0));
            a.close();
            b.close();
            assertEquals(4 * B, reused(pool, tokens(4 * B + 1, 0), 1),
                    "the longer sequence's blocks follow the shorter one's cached prefix");
        }
    }

    @Test
    void positionsWithoutTokensAndEveryBlockAfterThemStayOutOfThePrefixCache() {
        try (KvPool pool = new KvPool(CONFIG, KvType.F32, 8 * B)) {
            try (KvCache cache = new KvCache(pool, pool.capacityTokens())) {
                cache.reserve(3 * B);
                cache.advanceWithoutTokens(B);
                cache.advance(tokens(2 * B, 0));
            }
            int[] sameIdsAsHeld = IntStream.concat(IntStream.of(new int[B]), IntStream.range(0, 2 * B + 1)).toArray();
            assertEquals(0, reused(pool, sameIdsAsHeld, 1), "no block of that sequence was cached");
        }
    }

    @Test
    void truncatingIntoBlocksThePrefixCacheHoldsIsRefused() {
        try (KvPool pool = new KvPool(CONFIG, KvType.F32, 8 * B); KvCache cache = filled(pool, tokens(3 * B, 0))) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> cache.truncate(5));
            assertTrue(refused.getMessage().contains("prefix cache"), refused.getMessage());
            cache.truncate(3 * B);
            assertEquals(3 * B, cache.length());
        }
    }

    @Test
    void aSequenceCannotOutgrowItsContext() {
        try (KvPool pool = new KvPool(CONFIG, KvType.F32, 8 * B); KvCache cache = new KvCache(pool, 20)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> cache.tryReserve(21));
            assertTrue(e.getMessage().contains("21") && e.getMessage().contains("20"), e.getMessage());
        }
    }
}
