package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.SIZES;
import static dev.glint.kernels.KernelAssertions.assertClose;
import static dev.glint.kernels.KernelAssertions.randomFloats;
import static org.junit.jupiter.api.Assertions.fail;

class F16MatrixKernelTest {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static double tolerance(int cols) {
        return 4e-6 * Math.sqrt(cols);
    }

    private static F16Matrix random(Arena arena, SplittableRandom random, int rows, int cols) {
        MemorySegment data = arena.allocate(2L * rows * cols);
        for (long i = 0; i < (long) rows * cols; i++) {
            data.setAtIndex(HALF, i, Float.floatToFloat16((float) (random.nextDouble() * 2 - 1)));
        }
        return new F16Matrix(data, rows, cols);
    }

    @Test
    void everyHalfWidensToTheValueTheJdkGives() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(2 * 65536);
            for (int h = 0; h < 65536; h++) {
                data.setAtIndex(HALF, h, (short) h);
            }
            float[] widened = new float[65536];
            new F16Matrix(data, 1, 65536).loadRow(0, widened);
            for (int h = 0; h < 65536; h++) {
                float expected = Float.float16ToFloat((short) h);
                boolean same = Float.isNaN(expected) ? Float.isNaN(widened[h])
                        : Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(widened[h]);
                if (!same) {
                    fail(String.format("half 0x%04x widened to %s at %d-bit vectors, expected %s",
                            h, widened[h], Vectors.BITS, expected));
                }
            }
        }
    }

    @Test
    void matVecMatchesScalarTwinForEverySize() {
        SplittableRandom random = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : SIZES) {
                int rows = 5;
                F16Matrix w = random(arena, random, rows, cols);
                float[] x = randomFloats(random, cols);
                float[] expected = new float[rows];
                float[] actual = new float[rows];
                w.matVecScalar(x, expected, 0, rows);
                w.matVec(x, actual, 0, rows);
                assertClose("F16 matVec cols=" + cols, expected, actual, tolerance(cols));
            }
        }
    }

    @Test
    void matVecComputesOnlyTheRequestedRows() {
        SplittableRandom random = new SplittableRandom(12);
        try (Arena arena = Arena.ofConfined()) {
            F16Matrix w = random(arena, random, 9, 40);
            float[] out = new float[9];
            w.matVec(randomFloats(random, 40), out, 3, 6);
            for (int r : new int[]{0, 1, 2, 6, 7, 8}) {
                if (out[r] != 0f) {
                    fail("row " + r + " outside [3,6) was written: " + out[r]);
                }
            }
        }
    }

    @Test
    void loadRowMatchesScalarTwinExactly() {
        SplittableRandom random = new SplittableRandom(13);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : SIZES) {
                F16Matrix w = random(arena, random, 3, cols);
                float[] expected = new float[cols];
                float[] actual = new float[cols];
                w.loadRowScalar(2, expected);
                w.loadRow(2, actual);
                assertClose("F16 loadRow cols=" + cols, expected, actual, 0);
            }
        }
    }

    @Test
    void batchedMatMulMatchesScalarTwin() {
        SplittableRandom random = new SplittableRandom(14);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{1, 3, 4, 9}) {
                for (int cols : new int[]{7, 33, 129, 1061}) {
                    int rows = 7;
                    F16Matrix w = random(arena, random, rows, cols);
                    float[] x = randomFloats(random, n * cols);
                    float[] expected = new float[n * rows];
                    float[] actual = new float[n * rows];
                    w.matMulScalar(x, n, expected, 0, rows);
                    w.matMul(x, n, actual, 0, rows);
                    assertClose("F16 matMul n=" + n + " cols=" + cols, expected, actual, tolerance(cols));
                }
            }
        }
    }
}
