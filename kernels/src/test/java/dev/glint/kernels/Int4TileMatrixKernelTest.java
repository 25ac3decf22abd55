package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.assertClose;
import static dev.glint.kernels.KernelAssertions.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class Int4TileMatrixKernelTest {
    /**
     * Rows of less than a tile, of whole tiles, and ending in a part tile (at every width a tile is one to four
     * vectors of rows); widths of one block and of many.
     */
    private static final int[][] SHAPES = {{1, 32}, {5, 64}, {32, 32}, {40, 96}, {64, 288}, {96, 768}, {72, 2048}};

    private static double tolerance(int cols) {
        return 1e-5 * Math.sqrt(cols);
    }

    /** Random levels with BF16 scales and asymmetric minima; weights come out about ±1. */
    private record Source(byte[][] q, float[][] scales, float[][] mins) implements Int4Matrix.RowSource {
        static Source random(SplittableRandom random, int rows, int cols) {
            int groups = cols / 32;
            byte[][] q = new byte[rows][cols];
            float[][] scales = new float[rows][groups];
            float[][] mins = new float[rows][groups];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    q[r][c] = (byte) random.nextInt(16);
                }
                for (int g = 0; g < groups; g++) {
                    scales[r][g] = bf16((float) (0.05 + 0.1 * random.nextDouble()));
                    mins[r][g] = bf16(-random.nextInt(16) * scales[r][g]);
                }
            }
            return new Source(q, scales, mins);
        }

        @Override
        public void row(int r, byte[] qRow, float[] scaleRow, float[] minRow) {
            System.arraycopy(q[r], 0, qRow, 0, qRow.length);
            System.arraycopy(scales[r], 0, scaleRow, 0, scaleRow.length);
            System.arraycopy(mins[r], 0, minRow, 0, minRow.length);
        }

        float weight(int r, int c) {
            return Math.fma(q[r][c], scales[r][c / 32], mins[r][c / 32]);
        }
    }

    private static float bf16(float v) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFF_0000);
    }

    @FunctionalInterface
    private interface Check {
        void run(Int4TileMatrix w, Source source, String what);
    }

    private static void forEveryShape(long seed, Check check) {
        SplittableRandom random = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : SHAPES) {
                Source source = Source.random(random, shape[0], shape[1]);
                check.run(Int4TileMatrix.pack(arena, shape[0], shape[1], source), source, "Int4 tiles " + shape[0] + "x" + shape[1]);
            }
        }
    }

    @Test
    void loadRowGivesBackEveryPackedWeight() {
        forEveryShape(41, (w, source, what) -> {
            float[] row = new float[w.cols()];
            for (int r = 0; r < w.rows(); r++) {
                w.loadRow(r, row);
                for (int c = 0; c < w.cols(); c++) {
                    if (row[c] != source.weight(r, c)) {
                        fail(String.format("%s: W[%d][%d] = %s, packed q=%d scale=%s min=%s gives %s", what, r, c, row[c],
                                source.q[r][c], source.scales[r][c / 32], source.mins[r][c / 32], source.weight(r, c)));
                    }
                }
            }
        });
    }

    @Test
    void floatMatVecMatchesScalarTwin() {
        forEveryShape(42, (w, source, what) -> {
            float[] x = randomFloats(new SplittableRandom(w.cols()), w.cols());
            float[] expected = new float[w.rows()];
            float[] actual = new float[w.rows()];
            w.matVecScalar(x, expected, 0, w.rows());
            w.matVec(x, actual, 0, w.rows());
            assertClose(what + " matVec", expected, actual, tolerance(w.cols()));
        });
    }

    @Test
    void floatMatMulMatchesScalarTwin() {
        forEveryShape(48, (w, source, what) -> {
            for (int n : new int[]{2, 5}) {
                float[] x = randomFloats(new SplittableRandom(n), n * w.cols());
                float[] expected = new float[n * w.rows()];
                float[] actual = new float[n * w.rows()];
                w.matMulScalar(x, n, expected, 0, w.rows());
                w.matMul(x, n, actual, 0, w.rows());
                assertClose(what + " matMul n=" + n, expected, actual, tolerance(w.cols()));
            }
        });
    }

    @Test
    void integerProductsMatchTheirScalarTwin() {
        forEveryShape(43, (w, source, what) -> {
            for (int n : new int[]{1, 2, 3, 6, 7}) { // one token, two at once, two plus one, four plus two, four plus two plus one
                Int8Activations x = Int8Activations.quantize(randomFloats(new SplittableRandom(n), n * w.cols()), n, w.cols());
                float[] expected = new float[n * w.rows()];
                float[] actual = new float[n * w.rows()];
                w.matMulScalar(x, expected, 0, w.rows());
                w.matMul(x, actual, 0, w.rows());
                // the integer sums are exact in both; the float steps per block are the same operations in the same order
                assertClose(what + " integer matMul n=" + n, expected, actual, 1e-6);
            }
        });
    }

    /**
     * Int8 activations move each value by at most half its block's scale, and nothing else: the min terms use exact
     * sums. So each output moves by at most {@code Σ_c |q·scale| · dx_block / 2} (plus float rounding) from the exact
     * product of the same weights — a bound from the quantization's definition, checked row by row.
     */
    @Test
    void integerProductsStayWithinTheActivationRoundingOfTheExactOnes() {
        forEveryShape(44, (w, source, what) -> {
            float[] x = randomFloats(new SplittableRandom(7), w.cols());
            Int8Activations q = Int8Activations.quantize(x, 1, w.cols());
            float[] exact = new float[w.rows()];
            float[] fast = new float[w.rows()];
            w.matVecScalar(x, exact, 0, w.rows());
            w.matMul(q, fast, 0, w.rows());
            for (int r = 0; r < w.rows(); r++) {
                double bound = 0, magnitude = 0;
                for (int c = 0; c < w.cols(); c++) {
                    bound += Math.abs(source.q[r][c] * source.scales[r][c / 32]) * q.scales()[c / 32] / 2;
                    magnitude += Math.abs(source.weight(r, c) * x[c]);
                }
                double allowed = bound + 1e-6 * magnitude;
                if (!(Math.abs(fast[r] - exact[r]) <= allowed)) {
                    fail(String.format("%s row %d: int8 path %.7g, exact %.7g, difference %.3g exceeds the rounding bound %.3g",
                            what, r, fast[r], exact[r], Math.abs(fast[r] - exact[r]), allowed));
                }
            }
        });
    }

    @Test
    void productsComputeOnlyTheRequestedRowsWhereverTheRangeCutsATile() {
        SplittableRandom random = new SplittableRandom(45);
        try (Arena arena = Arena.ofConfined()) {
            int rows = 72, cols = 64;
            Int4TileMatrix w = Int4TileMatrix.pack(arena, rows, cols, Source.random(random, rows, cols));
            float[] x = randomFloats(random, 7 * cols);
            Int8Activations q = Int8Activations.quantize(x, 7, cols);
            float[] allFloat = new float[rows];
            float[] allInteger = new float[7 * rows];
            w.matVec(x, allFloat, 0, rows);
            w.matMul(q, allInteger, 0, rows);
            for (int[] range : new int[][]{{3, 6}, {0, 33}, {31, 72}, {40, 41}}) {
                float[] someFloat = new float[rows];
                float[] someInteger = new float[7 * rows];
                w.matVec(x, someFloat, range[0], range[1]);
                w.matMul(q, someInteger, range[0], range[1]);
                for (int t = 0; t < 7; t++) { // four tokens at once, two more, and one
                    for (int r = 0; r < rows; r++) {
                        boolean inside = r >= range[0] && r < range[1];
                        float integer = someInteger[t * rows + r];
                        assertEquals(inside ? allInteger[t * rows + r] : 0f, integer, "integer row " + r + " of token " + t
                                + " for range [" + range[0] + "," + range[1] + ")");
                        if (t == 0) {
                            assertEquals(inside ? allFloat[r] : 0f, someFloat[r], "float row " + r + " for range ["
                                    + range[0] + "," + range[1] + ")");
                        }
                    }
                }
            }
        }
    }

    @Test
    void layoutHoldsColumnPairsOfThirtyTwoRowsWithTheTileHalvesInterleaved() {
        try (Arena arena = Arena.ofConfined()) {
            int rows = 40, cols = 64;
            Int4TileMatrix w = Int4TileMatrix.pack(arena, rows, cols, (r, q, scales, mins) -> {
                for (int c = 0; c < cols; c++) {
                    q[c] = (byte) ((c + r) % 16);
                }
                scales[0] = 0.5f + r;
                scales[1] = 2f + r;
                mins[0] = -1f - r;
                mins[1] = -3f - r;
            });
            assertEquals(2 * 2 * 512, w.nibbles().byteSize(), "two tiles of two blocks of 512 bytes");
            assertEquals(2 * 2 * 32 * 2, w.scales().byteSize(), "two tiles of two blocks of 32 BF16 scales");
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c += 2) {
                    int i = r % 32;
                    long at = ((long) (r / 32) * 2 + c / 32) * 512 + (c % 32 / 2) * 32 + (i < 16 ? 2 * i : 2 * (i - 16) + 1);
                    assertEquals((c + r) % 16 | (c + 1 + r) % 16 << 4, w.nibbles().get(ValueLayout.JAVA_BYTE, at) & 0xFF,
                            "row " + r + " columns " + c + ", " + (c + 1));
                }
                long pair = ((long) (r / 32) * 2) * 32 + r % 32;
                assertEquals(0.5f + r, bf16At(w.scales(), pair));
                assertEquals(2f + r, bf16At(w.scales(), pair + 32));
                assertEquals(-1f - r, bf16At(w.mins(), pair));
                assertEquals(-3f - r, bf16At(w.mins(), pair + 32));
            }
            for (int pad = 8; pad < 32; pad++) {
                long at = 2 * 512 + (pad < 16 ? 2 * pad : 2 * (pad - 16) + 1);
                assertEquals(0, w.nibbles().get(ValueLayout.JAVA_BYTE, at), "padding row " + (32 + pad));
            }
        }
    }

    private static float bf16At(MemorySegment region, long index) {
        return Float.intBitsToFloat(region.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index) << 16);
    }

    @Test
    void packedBytesReadBackInPlaceGiveTheSameMatrix() {
        forEveryShape(46, (w, source, what) -> {
            Int4TileMatrix mapped = Int4TileMatrix.of(w.nibbles(), w.scales(), w.mins(), w.rows(), w.cols());
            float[] expected = new float[w.cols()];
            float[] actual = new float[w.cols()];
            for (int r = 0; r < w.rows(); r++) {
                w.loadRowScalar(r, expected);
                mapped.loadRowScalar(r, actual);
                assertClose(what + " read back, row " + r, expected, actual, 0);
            }
        });
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> Int4TileMatrix.of(arena.allocate(512), arena.allocate(64), arena.allocate(32), 2, 32));
            assertTrue(size.getMessage().contains("needs 512 bytes of nibbles and 64 each of scales and mins, segments have 512, 64 and 32"),
                    size.getMessage());
        }
    }

    @Test
    void valuesAndShapesTheLayoutCannotHoldAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                    () -> Int4TileMatrix.pack(arena, 2, 48, (r, q, s, m) -> { }));
            assertTrue(width.getMessage().contains("multiple of 32, not 2x48"), width.getMessage());
            IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
                    () -> Int4TileMatrix.pack(arena, 1, 32, (r, q, s, m) -> q[5] = 16));
            assertTrue(value.getMessage().contains("16 in row 0, column 5"), value.getMessage());
            IllegalArgumentException pair = assertThrows(IllegalArgumentException.class,
                    () -> Int4TileMatrix.pack(arena, 2, 32, (r, q, s, m) -> s[0] = r + 0.1f));
            assertTrue(pair.getMessage().contains("row 0, group 0: 0.1 is not a BF16 value"), pair.getMessage());
            Int4TileMatrix w = Int4TileMatrix.pack(arena, 2, 64, (r, q, s, m) -> { });
            IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                    () -> w.matMul(Int8Activations.quantize(new float[32], 1, 32), new float[2], 0, 2));
            assertTrue(mismatch.getMessage().contains("width 32 for a matrix of width 64"), mismatch.getMessage());
        }
    }

    @Test
    void int8ActivationsRoundEachValueToHalfItsBlockScaleAndKeepFloatSums() {
        float[] x = randomFloats(new SplittableRandom(47), 3 * 64);
        x[5] = 0f;
        for (int i = 64; i < 96; i++) {
            x[i] = 0f;
        }
        Int8Activations q = Int8Activations.quantize(x, 3, 64);
        for (int b = 0; b < 6; b++) {
            float max = 0f;
            double sum = 0, magnitude = 0;
            for (int i = 32 * b; i < 32 * b + 32; i++) {
                max = Math.max(max, Math.abs(x[i]));
                sum += x[i];
                magnitude += Math.abs(x[i]);
            }
            assertEquals(max / 127, q.scales()[b], "scale of block " + b);
            // a float sum of 32 terms in any order: at most 31 roundings of at most half an ulp of the running magnitude
            assertEquals(sum, q.sums()[b], 31 * Math.ulp((float) magnitude), "sum of block " + b);
            for (int i = 32 * b; i < 32 * b + 32; i++) {
                assertTrue(Math.abs(q.q()[i]) <= 127, "value " + i + " is " + q.q()[i]);
                float error = Math.abs(q.q()[i] * q.scales()[b] - x[i]);
                assertTrue(error <= q.scales()[b] / 2 * (1 + 1e-6), "value " + i + ": " + x[i] + " comes back as "
                        + q.q()[i] * q.scales()[b] + ", off by " + error + " > half the scale " + q.scales()[b]);
            }
        }
        assertEquals(0f, q.scales()[2], "an all-zero block has scale 0");
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> Int8Activations.quantize(x, 1, 48));
        assertTrue(width.getMessage().contains("multiple of 32, not 48"), width.getMessage());
    }
}
