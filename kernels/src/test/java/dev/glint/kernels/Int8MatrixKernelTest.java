package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.assertClose;
import static dev.glint.kernels.KernelAssertions.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class Int8MatrixKernelTest {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Widths of one block, of several, and ones that are not a multiple of any vector's bytes (96, 160, 288). */
    private static final int[] WIDTHS = {32, 64, 96, 160, 288, 1024};
    /** Row counts that fill the four-row kernel and leave 1, 2 and 3 rows for the single-row one. */
    private static final int[] ROWS = {1, 4, 6, 7, 9};

    private static double tolerance(int cols) {
        return 1e-5 * Math.sqrt(cols);
    }

    /** Gaussian-like weights whose block maxima vary over four decades, as trained weights' do. */
    private static float[][] randomWeights(SplittableRandom random, int rows, int cols) {
        float[][] w = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < cols / Int8Matrix.BLOCK; b++) {
                double magnitude = Math.pow(10, -3 + 4 * random.nextDouble());
                for (int c = b * Int8Matrix.BLOCK; c < (b + 1) * Int8Matrix.BLOCK; c++) {
                    w[r][c] = (float) (magnitude * (random.nextDouble() * 2 - 1));
                }
            }
        }
        return w;
    }

    private static Int8Matrix quantize(Arena arena, float[][] w, int cols) {
        return Int8Matrix.quantize(arena, w.length, cols, (r, row) -> System.arraycopy(w[r], 0, row, 0, cols));
    }

    @FunctionalInterface
    private interface Check {
        void run(Int8Matrix m, float[][] w, String what);
    }

    private static void forEveryShape(long seed, Check check) {
        SplittableRandom random = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : WIDTHS) {
                for (int rows : ROWS) {
                    float[][] w = randomWeights(random, rows, cols);
                    check.run(quantize(arena, w, cols), w, "Int8 " + rows + "x" + cols);
                }
            }
        }
    }

    @Test
    void quantizationRoundsEachWeightToItsBlockScale() {
        forEveryShape(41, (m, w, what) -> {
            int blocks = m.cols() / Int8Matrix.BLOCK;
            float[] row = new float[m.cols()];
            for (int r = 0; r < m.rows(); r++) {
                m.loadRowScalar(r, row);
                for (int b = 0; b < m.cols() / Int8Matrix.BLOCK; b++) {
                    float amax = 0f;
                    for (int c = b * 32; c < b * 32 + 32; c++) {
                        amax = Math.max(amax, Math.abs(w[r][c]));
                    }
                    float d = Float.float16ToFloat(m.scales().get(F16, 2L * (r * blocks + b)));
                    short bits = Float.floatToFloat16(d);
                    if (d * 127.0 < amax || bits != 0 && Float.float16ToFloat((short) (bits - 1)) * 127.0 >= amax) {
                        fail(String.format("%s block [%d][%d]: scale %s is not the smallest F16 covering amax %s / 127",
                                what, r, b, d, amax));
                    }
                    for (int c = b * 32; c < b * 32 + 32; c++) {
                        byte q = m.weights().get(ValueLayout.JAVA_BYTE, (long) r * m.cols() + c);
                        if (q != (byte) Math.rint(w[r][c] / d) || row[c] != q * d || Math.abs(row[c] - w[r][c]) > d / 2) {
                            fail(String.format("%s W[%d][%d] = %s stored as q=%d with scale %s, read back as %s",
                                    what, r, c, w[r][c], q, d, row[c]));
                        }
                    }
                }
            }
        });
    }

    @Test
    void layoutHoldsTheWeightsRowMajorAndTheirF16ScalesApartWithTiesToEven() {
        float[] first = new float[64];
        float[] second = new float[64];
        for (int c = 0; c < 32; c++) {
            first[c] = c - 16.5f;
            first[32 + c] = 0.5f * c;
            second[c] = -2 * c;
        }
        first[31] = 127f;
        second[0] = -127f * 4;
        try (Arena arena = Arena.ofConfined()) {
            Int8Matrix m = Int8Matrix.quantize(arena, 2, 64, (r, row) -> System.arraycopy(r == 0 ? first : second, 0, row, 0, 64));
            MemorySegment weights = m.weights();
            MemorySegment scales = m.scales();
            assertEquals(2 * 64, weights.byteSize());
            assertEquals(2 * 4, scales.byteSize());
            assertEquals(1f, Float.float16ToFloat(scales.get(F16, 0)), "row 0 block 0: amax 127");
            assertEquals(15.5f / 127, Float.float16ToFloat(scales.get(F16, 2)), 0x1p-14, "row 0 block 1: amax 15.5");
            assertEquals(4f, Float.float16ToFloat(scales.get(F16, 4)), "row 1 block 0: amax 508");
            assertEquals(0f, Float.float16ToFloat(scales.get(F16, 6)), "row 1 block 1: all zeros");
            assertEquals(-16, weights.get(ValueLayout.JAVA_BYTE, 0), "-16.5 rounds to even");
            assertEquals(-16, weights.get(ValueLayout.JAVA_BYTE, 1), "-15.5 rounds to even");
            assertEquals(-14, weights.get(ValueLayout.JAVA_BYTE, 3), "-13.5 rounds to even");
            assertEquals(127, weights.get(ValueLayout.JAVA_BYTE, 31));
            assertEquals(-127, weights.get(ValueLayout.JAVA_BYTE, 64));
            assertEquals(-2, weights.get(ValueLayout.JAVA_BYTE, 64 + 4), "-8 / 4");
            assertEquals(0, weights.get(ValueLayout.JAVA_BYTE, 64 + 40));
            Int8Matrix mapped = Int8Matrix.of(weights, scales, 2, 64);
            float[] row = new float[64];
            mapped.loadRow(1, row);
            assertEquals(-508f, row[0]);
            assertEquals(-8f, row[4]);
        }
    }

    @Test
    void matVecMatchesScalarTwin() {
        forEveryShape(42, (m, w, what) -> {
            float[] x = randomFloats(new SplittableRandom(m.cols()), m.cols());
            float[] expected = new float[m.rows()];
            float[] actual = new float[m.rows()];
            m.matVecScalar(x, expected, 0, m.rows());
            m.matVec(x, actual, 0, m.rows());
            assertClose(what + " matVec", expected, actual, tolerance(m.cols()));
        });
    }

    @Test
    void loadRowMatchesScalarTwinExactly() {
        forEveryShape(43, (m, w, what) -> {
            float[] expected = new float[m.cols()];
            float[] actual = new float[m.cols()];
            for (int r = 0; r < m.rows(); r++) {
                m.loadRowScalar(r, expected);
                m.loadRow(r, actual);
                assertClose(what + " loadRow " + r, expected, actual, 0);
            }
        });
    }

    @Test
    void batchedMatMulMatchesScalarTwin() {
        forEveryShape(44, (m, w, what) -> {
            // few tokens, one at a time (n < 8), and the default widened tile (n >= 8)
            for (int n : new int[]{1, 2, 3, 7, 8, 9}) {
                float[] x = randomFloats(new SplittableRandom(n), n * m.cols());
                float[] expected = new float[n * m.rows()];
                float[] actual = new float[n * m.rows()];
                m.matMulScalar(x, n, expected, 0, m.rows());
                m.matMul(x, n, actual, 0, m.rows());
                assertClose(what + " matMul n=" + n, expected, actual, tolerance(m.cols()));
            }
        });
    }

    @Test
    void matVecComputesOnlyTheRequestedRows() {
        SplittableRandom random = new SplittableRandom(45);
        try (Arena arena = Arena.ofConfined()) {
            Int8Matrix m = quantize(arena, randomWeights(random, 11, 64), 64);
            float[] out = new float[11];
            m.matVec(randomFloats(random, 64), out, 2, 9);
            for (int r : new int[]{0, 1, 9, 10}) {
                if (out[r] != 0f) {
                    fail("row " + r + " outside [2,9) was written: " + out[r]);
                }
            }
        }
    }

    @Test
    void layoutTakesEightAndAHalfBitsPerWeight() {
        assertEquals(4096L * 4096 * 17 / 16, Int8Matrix.byteSize(4096, 4096));
    }

    @Test
    void shapesAndValuesTheLayoutCannotHoldAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                    () -> Int8Matrix.quantize(arena, 2, 48, (r, row) -> { }));
            assertTrue(width.getMessage().contains("2x48: the width must be a multiple of the block of 32"), width.getMessage());
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> Int8Matrix.of(arena.allocate(96), arena.allocate(4), 3, 32));
            assertTrue(size.getMessage().contains("3x32 needs 96 bytes of weights and 6 of scales, segments have 96 and 4"),
                    size.getMessage());
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                    () -> Int8Matrix.quantize(arena, 2, 32, (r, row) -> row[7] = r == 1 ? Float.NaN : 0f));
            assertTrue(nan.getMessage().contains("weight [1][7] is NaN"), nan.getMessage());
            IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                    () -> Int8Matrix.quantize(arena, 1, 64, (r, row) -> row[40] = 1e7f));
            assertTrue(huge.getMessage().contains("block 1 of row 0"), huge.getMessage());
        }
    }
}
