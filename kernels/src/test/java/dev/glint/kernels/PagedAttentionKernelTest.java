package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PagedAttentionKernelTest {
    private static final int BLOCK_TOKENS = 16;

    /**
     * A cache of {@code positions} random rows in shuffled blocks; keys and values interleave in one segment (the value
     * row right after the key row of each token), as a pool that keeps both in one block may.
     */
    private static PagedKv randomCache(Arena arena, SplittableRandom random, KvType type, int headDim, int positions) {
        int blocks = (positions + BLOCK_TOKENS - 1) / BLOCK_TOKENS;
        int rowBytes = type.rowBytes(headDim);
        long tokenStride = 2L * rowBytes + 4;
        long blockBytes = tokenStride * BLOCK_TOKENS;
        List<Long> order = new ArrayList<>();
        for (int b = 0; b < blocks + 3; b++) {
            order.add(b * blockBytes);
        }
        Collections.shuffle(order, new Random(random.nextLong()));
        long[] blockOffsets = new long[blocks];
        for (int b = 0; b < blocks; b++) {
            blockOffsets[b] = order.get(b);
        }
        MemorySegment pool = arena.allocate((blocks + 3) * blockBytes + rowBytes);
        PagedKv kv = new PagedKv(type, headDim, pool, pool.asSlice(rowBytes), blockOffsets, BLOCK_TOKENS, tokenStride);
        float[] row = new float[headDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < headDim; i++) {
                row[i] = (float) random.nextGaussian();
            }
            type.store(row, 0, headDim, kv.keys(), kv.rowOffset(p));
            for (int i = 0; i < headDim; i++) {
                row[i] = (float) random.nextGaussian();
            }
            type.store(row, 0, headDim, kv.values(), kv.rowOffset(p));
        }
        return kv;
    }

    /** Queries large enough that the softmax is peaked and its running maximum moves many times. */
    private static float[] randomQuery(SplittableRandom random, int length) {
        float[] q = new float[length];
        for (int i = 0; i < length; i++) {
            q[i] = (float) (random.nextGaussian() * 2);
        }
        return q;
    }

    /** Plain two-pass softmax in double over the decoded rows. */
    private static float[] reference(PagedKv kv, int from, int to, float[] q, int qOff, int heads, float scale) {
        int d = kv.headDim();
        float[] k = new float[d];
        float[] v = new float[d];
        float[] out = new float[heads * d];
        for (int h = 0; h < heads; h++) {
            double[] scores = new double[to - from];
            double max = Double.NEGATIVE_INFINITY;
            for (int p = from; p < to; p++) {
                kv.type().loadScalar(kv.keys(), kv.rowOffset(p), d, k, 0);
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += (double) q[qOff + h * d + i] * k[i];
                }
                scores[p - from] = dot * scale;
                max = Math.max(max, scores[p - from]);
            }
            double sum = 0;
            double[] acc = new double[d];
            for (int p = from; p < to; p++) {
                double w = Math.exp(scores[p - from] - max);
                sum += w;
                kv.type().loadScalar(kv.values(), kv.rowOffset(p), d, v, 0);
                for (int i = 0; i < d; i++) {
                    acc[i] += w * v[i];
                }
            }
            for (int i = 0; i < d; i++) {
                out[h * d + i] = (float) (acc[i] / sum);
            }
        }
        return out;
    }

    private record Case(int headDim, int heads, int from, int to) {
        @Override
        public String toString() {
            return "head_dim " + headDim + ", " + heads + " heads, positions [" + from + ", " + to + ")";
        }
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (int headDim : new int[]{24, 32, 128}) {
            for (int heads : new int[]{1, 2, 4, 12}) {
                cases.add(new Case(headDim, heads, 0, 1));
                cases.add(new Case(headDim, heads, 0, BLOCK_TOKENS - 1));
                cases.add(new Case(headDim, heads, 5, 5 + PagedAttention.TILE + 3));
                cases.add(new Case(headDim, heads, 37, 37 + 11 * BLOCK_TOKENS + 2));
            }
        }
        cases.add(new Case(128, 4, 0, 1500));
        return cases;
    }

    @Test
    void f32MatchesDoublePrecisionSoftmax() {
        SplittableRandom random = new SplittableRandom(41);
        try (Arena arena = Arena.ofConfined()) {
            for (Case c : cases()) {
                PagedKv kv = randomCache(arena, random, KvType.F32, c.headDim(), c.to());
                float[] q = randomQuery(random, c.heads() * c.headDim() + 3);
                float scale = (float) (1 / Math.sqrt(c.headDim()));
                float[] expected = reference(kv, c.from(), c.to(), q, 3, c.heads(), scale);
                float[] actual = new float[expected.length + 1];
                PagedAttention.attend(kv, c.from(), c.to(), q, 3, scale, new AttentionState(c.heads(), c.headDim()), actual, 1);
                assertClose("F32 attention, " + c, expected, Arrays.copyOfRange(actual, 1, actual.length), 1e-6);
            }
        }
    }

    @Test
    void everyTypeMatchesTheScalarTwinAndTheReference() {
        SplittableRandom random = new SplittableRandom(42);
        try (Arena arena = Arena.ofConfined()) {
            for (KvType type : KvType.values()) {
                for (Case c : cases()) {
                    PagedKv kv = randomCache(arena, random, type, c.headDim(), c.to());
                    float[] q = randomQuery(random, c.heads() * c.headDim());
                    float scale = (float) (1 / Math.sqrt(c.headDim()));
                    AttentionState state = new AttentionState(c.heads(), c.headDim());
                    float[] scalar = new float[c.heads() * c.headDim()];
                    float[] vector = new float[scalar.length];
                    PagedAttention.attendScalar(kv, c.from(), c.to(), q, 0, scale, state, scalar, 0);
                    PagedAttention.attend(kv, c.from(), c.to(), q, 0, scale, state, vector, 0);
                    assertClose(type + " attention vs scalar twin, " + c, scalar, vector, 2e-6);
                    assertClose(type + " scalar twin vs reference, " + c, reference(kv, c.from(), c.to(), q, 0, c.heads(), scale),
                            scalar, 2e-6);
                }
            }
        }
    }

    @Test
    void mergedPartsEqualTheWholeRange() {
        SplittableRandom random = new SplittableRandom(43);
        try (Arena arena = Arena.ofConfined()) {
            for (KvType type : KvType.values()) {
                int headDim = 128;
                int heads = 4;
                int from = 3;
                int to = 700;
                PagedKv kv = randomCache(arena, random, type, headDim, to);
                float[] q = randomQuery(random, heads * headDim);
                float scale = (float) (1 / Math.sqrt(headDim));
                float[] whole = new float[heads * headDim];
                PagedAttention.attend(kv, from, to, q, 0, scale, new AttentionState(heads, headDim), whole, 0);
                int[] cuts = {from, from + 1, 64, 64, 300, 301, 650, to};
                AttentionState merged = new AttentionState(heads, headDim);
                AttentionState mergedScalar = new AttentionState(heads, headDim);
                AttentionState part = new AttentionState(heads, headDim);
                for (int i = cuts.length - 2; i >= 0; i--) {
                    part.clear();
                    PagedAttention.accumulate(kv, cuts[i], cuts[i + 1], q, 0, scale, part);
                    merged.merge(part);
                    part.clear();
                    PagedAttention.accumulateScalar(kv, cuts[i], cuts[i + 1], q, 0, scale, part);
                    mergedScalar.merge(part);
                }
                float[] split = new float[whole.length];
                merged.finish(split, 0);
                assertClose(type + " merged parts vs whole range", whole, split, 1e-6);
                mergedScalar.finish(split, 0);
                assertClose(type + " merged scalar parts vs whole range", whole, split, 2e-6);
            }
        }
    }

    @Test
    void rangesOutsideTheBlockTableAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            PagedKv kv = randomCache(arena, new SplittableRandom(44), KvType.BF16, 32, 20);
            AttentionState state = new AttentionState(2, 32);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PagedAttention.accumulate(kv, 0, 33, new float[64], 0, 1f, state));
            assertTrue(e.getMessage().contains("[0, 33)") && e.getMessage().contains("32"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> PagedAttention.accumulate(kv, 0, 4, new float[63], 0, 1f, state));
            assertThrows(IllegalArgumentException.class, () -> new PagedKv(KvType.F32, 32, kv.keys(), kv.values(),
                    kv.blockOffsets(), BLOCK_TOKENS, 100));
        }
    }
}
