package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.SIZES;
import static dev.glint.kernels.KernelAssertions.assertClose;
import static dev.glint.kernels.KernelAssertions.randomBf16;
import static dev.glint.kernels.KernelAssertions.randomF32;
import static dev.glint.kernels.KernelAssertions.randomFloats;

class MatrixKernelTest {
    /** Float sums of {@code cols} terms in different orders drift apart like {@code sqrt(cols)} roundings. */
    private static double tolerance(int cols) {
        return 4e-6 * Math.sqrt(cols);
    }

    private static Matrix bf16(Arena arena, SplittableRandom random, int rows, int cols) {
        return new Bf16Matrix(randomBf16(arena, random, (long) rows * cols), rows, cols);
    }

    private static Matrix f32(Arena arena, SplittableRandom random, int rows, int cols) {
        return new F32Matrix(randomF32(arena, random, (long) rows * cols), rows, cols);
    }

    @Test
    void matVecMatchesScalarTwinForEveryFormatAndSize() {
        SplittableRandom random = new SplittableRandom(1);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : SIZES) {
                int rows = 5;
                for (Matrix w : new Matrix[]{bf16(arena, random, rows, cols), f32(arena, random, rows, cols)}) {
                    float[] x = randomFloats(random, cols);
                    float[] expected = new float[rows];
                    float[] actual = new float[rows];
                    w.matVecScalar(x, expected, 0, rows);
                    w.matVec(x, actual, 0, rows);
                    assertClose(w.getClass().getSimpleName() + " matVec cols=" + cols, expected, actual, tolerance(cols));
                }
            }
        }
    }

    @Test
    void matVecComputesOnlyTheRequestedRows() {
        SplittableRandom random = new SplittableRandom(2);
        try (Arena arena = Arena.ofConfined()) {
            Matrix w = bf16(arena, random, 9, 40);
            float[] out = new float[9];
            w.matVec(randomFloats(random, 40), out, 3, 6);
            for (int r : new int[]{0, 1, 2, 6, 7, 8}) {
                if (out[r] != 0f) {
                    throw new AssertionError("row " + r + " outside [3,6) was written: " + out[r]);
                }
            }
        }
    }

    @Test
    void loadRowMatchesScalarTwinExactly() {
        SplittableRandom random = new SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : SIZES) {
                for (Matrix w : new Matrix[]{bf16(arena, random, 3, cols), f32(arena, random, 3, cols)}) {
                    float[] expected = new float[cols];
                    float[] actual = new float[cols];
                    w.loadRowScalar(2, expected);
                    w.loadRow(2, actual);
                    assertClose(w.getClass().getSimpleName() + " loadRow cols=" + cols, expected, actual, 0);
                }
            }
        }
    }

    @Test
    void batchedMatMulMatchesScalarTwinForEveryTokenCount() {
        SplittableRandom random = new SplittableRandom(4);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 2, 3, 4, 5, 8, 9, 13}) {
                for (int cols : new int[]{7, 32, 33, 129, 1061, 2085}) {
                    int rows = 7;
                    for (Matrix w : new Matrix[]{bf16(arena, random, rows, cols), f32(arena, random, rows, cols)}) {
                        float[] x = randomFloats(random, n * cols);
                        float[] expected = new float[n * rows];
                        float[] actual = new float[n * rows];
                        w.matMulScalar(x, n, expected, 0, rows);
                        w.matMul(x, n, actual, 0, rows);
                        assertClose(w.getClass().getSimpleName() + " matMul n=" + n + " cols=" + cols,
                                expected, actual, tolerance(cols));
                    }
                }
            }
        }
    }

    @Test
    void batchedMatMulEqualsOneMatVecPerToken() {
        SplittableRandom random = new SplittableRandom(5);
        try (Arena arena = Arena.ofConfined()) {
            int rows = 7, cols = 67, n = 6;
            Matrix w = bf16(arena, random, rows, cols);
            float[] x = randomFloats(random, n * cols);
            float[] batched = new float[n * rows];
            w.matMul(x, n, batched, 0, rows);
            for (int t = 0; t < n; t++) {
                float[] token = java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols);
                float[] single = new float[rows];
                w.matVec(token, single, 0, rows);
                assertClose("token " + t, single, java.util.Arrays.copyOfRange(batched, t * rows, (t + 1) * rows), tolerance(cols));
            }
        }
    }
}
