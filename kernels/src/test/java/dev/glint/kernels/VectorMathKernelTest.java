package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.SIZES;
import static dev.glint.kernels.KernelAssertions.assertClose;
import static dev.glint.kernels.KernelAssertions.randomF32;
import static dev.glint.kernels.KernelAssertions.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;

class VectorMathKernelTest {
    private static final double TOLERANCE = 2e-6;

    @Test
    void rmsNormMatchesScalarTwin() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n : SIZES) {
            float[] x = randomFloats(random, n + 3);
            float[] weight = randomFloats(random, n);
            float[] expected = new float[n + 2];
            float[] actual = new float[n + 2];
            VectorMath.rmsNormScalar(x, 3, weight, 1e-5f, expected, 2, n);
            VectorMath.rmsNorm(x, 3, weight, 1e-5f, actual, 2, n);
            assertClose("rmsNorm n=" + n, expected, actual, TOLERANCE);
        }
    }

    @Test
    void rmsNormOfConstantVectorIsTheWeight() {
        float[] x = {2, 2, 2, 2, 2};
        float[] weight = {1, 2, 3, 4, 5};
        float[] out = new float[5];
        VectorMath.rmsNorm(x, 0, weight, 0f, out, 0, 5);
        assertClose("rmsNorm of constant", weight, out, 1e-7);
    }

    @Test
    void ropeMatchesScalarTwinAndLeavesThePassThroughPart() {
        SplittableRandom random = new SplittableRandom(12);
        for (int half : SIZES) {
            float[] cos = randomFloats(random, half);
            float[] sin = randomFloats(random, half);
            float[] expected = randomFloats(random, 2 * half + 9);
            float[] actual = expected.clone();
            VectorMath.ropeNeoxScalar(expected, 5, cos, sin, half);
            VectorMath.ropeNeox(actual, 5, cos, sin, half);
            assertClose("rope half=" + half, expected, actual, TOLERANCE);
            float[] tail = {actual[5 + 2 * half], actual[6 + 2 * half], actual[7 + 2 * half], actual[8 + 2 * half]};
            float[] original = {expected[5 + 2 * half], expected[6 + 2 * half], expected[7 + 2 * half], expected[8 + 2 * half]};
            assertClose("rope pass-through half=" + half, original, tail, 0);
        }
    }

    @Test
    void ropeByQuarterTurnSwapsPairs() {
        float[] x = {1, 2, 3, 4, 9};
        VectorMath.ropeNeox(x, 0, new float[]{0, 0}, new float[]{1, 1}, 2);
        assertClose("quarter turn", new float[]{-3, -4, 1, 2, 9}, x, 0);
    }

    @Test
    void axpyMatchesScalarTwin() {
        SplittableRandom random = new SplittableRandom(13);
        for (int n : SIZES) {
            float[] x = randomFloats(random, n);
            float[] expected = randomFloats(random, n + 1);
            float[] actual = expected.clone();
            VectorMath.axpyScalar(0.37f, x, 0, expected, 1, n);
            VectorMath.axpy(0.37f, x, 0, actual, 1, n);
            assertClose("axpy n=" + n, expected, actual, TOLERANCE);
        }
    }

    @Test
    void dotMatchesScalarTwin() {
        SplittableRandom random = new SplittableRandom(14);
        for (int n : SIZES) {
            float[] a = randomFloats(random, n + 2);
            float[] b = randomFloats(random, n + 1);
            float expected = Dots.dotScalar(a, 2, b, 1, n);
            float actual = Dots.dot(a, 2, b, 1, n);
            assertClose("dot n=" + n, new float[]{expected}, new float[]{actual}, 1e-5);
        }
    }

    @Test
    void softmaxSumsToOneAndKeepsOrder() {
        float[] x = {1f, 3f, 2f, -50f};
        VectorMath.softmax(x, 4);
        double sum = x[0] + x[1] + x[2] + x[3];
        assertEquals(1.0, sum, 1e-6, "softmax sum");
        assertClose("softmax", new float[]{0.09003057f, 0.66524096f, 0.24472847f, 0f}, x, 1e-6);
    }

    @Test
    void attentionMatchesScalarTwin() {
        SplittableRandom random = new SplittableRandom(15);
        try (Arena arena = Arena.ofConfined()) {
            for (int headDim : new int[]{8, 24, 32, 33, 128}) {
                for (int positions : new int[]{1, 2, 17}) {
                    int rowFloats = 3 * headDim;
                    MemorySegment keys = randomF32(arena, random, (long) positions * rowFloats);
                    MemorySegment values = randomF32(arena, random, (long) positions * rowFloats);
                    float[] q = randomFloats(random, headDim + 1);
                    float[] expected = new float[headDim];
                    float[] actual = new float[headDim];
                    float[] scores = new float[positions];
                    Attention.attendScalar(q, 1, keys, values, rowFloats, headDim, positions, headDim, 0.2f, scores, expected, 0);
                    Attention.attend(q, 1, keys, values, rowFloats, headDim, positions, headDim, 0.2f, scores, actual, 0);
                    assertClose("attention headDim=" + headDim + " positions=" + positions, expected, actual, 1e-5);
                }
            }
        }
    }
}
