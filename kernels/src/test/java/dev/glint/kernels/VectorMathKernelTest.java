package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.SIZES;
import static dev.glint.kernels.KernelAssertions.assertClose;
import static dev.glint.kernels.KernelAssertions.randomFloats;

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
}
