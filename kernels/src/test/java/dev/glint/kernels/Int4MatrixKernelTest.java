package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.assertClose;
import static dev.glint.kernels.KernelAssertions.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class Int4MatrixKernelTest {
    /**
     * Group sizes with widths that fill whole blocks, several blocks, and (group 16) end in a half-used block; rows
     * of fewer groups than a vector has lanes, of a whole number of vectors, and of more but not a whole number.
     */
    private static final int[][] SHAPES = {
            {16, 16}, {16, 48}, {16, 64}, {16, 80}, {16, 272},
            {32, 32}, {32, 96}, {32, 288}, {32, 768}, {64, 64}, {64, 192}, {128, 128}, {128, 384}};

    private static double tolerance(int cols) {
        return 1e-5 * Math.sqrt(cols);
    }

    /** Random values with asymmetric zero points, scales and mins representable as {@code pairType}; weights come out about ±1. */
    private record Source(byte[][] q, float[][] scales, float[][] mins) implements Int4Matrix.RowSource {
        static Source random(SplittableRandom random, int rows, int cols, int groupSize, Int4Matrix.PairType pairType) {
            int groups = cols / groupSize;
            byte[][] q = new byte[rows][cols];
            float[][] scales = new float[rows][groups];
            float[][] mins = new float[rows][groups];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    q[r][c] = (byte) random.nextInt(16);
                }
                for (int g = 0; g < groups; g++) {
                    scales[r][g] = representable((float) (0.05 + 0.1 * random.nextDouble()), pairType);
                    mins[r][g] = representable(-random.nextInt(16) * scales[r][g], pairType);
                }
            }
            return new Source(q, scales, mins);
        }

        private static float representable(float v, Int4Matrix.PairType pairType) {
            return pairType == Int4Matrix.PairType.F32 ? v : Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFF_0000);
        }

        @Override
        public void row(int r, byte[] qRow, float[] scaleRow, float[] minRow) {
            System.arraycopy(q[r], 0, qRow, 0, qRow.length);
            System.arraycopy(scales[r], 0, scaleRow, 0, scaleRow.length);
            System.arraycopy(mins[r], 0, minRow, 0, minRow.length);
        }
    }

    /** A random permutation, as act-order gives: packed position j holds input column order[j]. */
    private static int[] shuffled(SplittableRandom random, int cols) {
        int[] order = new int[cols];
        Arrays.setAll(order, i -> i);
        for (int i = cols - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    @FunctionalInterface
    private interface Check {
        void run(Int4Matrix w, int[] order, Source source, String what);
    }

    /**
     * Runs {@code check} on every shape and pair type, with columns in their own order and in a shuffled act-order.
     */
    private static void forEveryShape(long seed, int rows, Check check) {
        SplittableRandom random = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : SHAPES) {
                int groupSize = shape[0], cols = shape[1];
                for (Int4Matrix.PairType pairType : Int4Matrix.PairType.values()) {
                    for (int[] order : new int[][]{null, shuffled(random, cols)}) {
                        Source source = Source.random(random, rows, cols, groupSize, pairType);
                        Int4Matrix w = Int4Matrix.pack(arena, pairType, rows, cols, groupSize, order, source);
                        check.run(w, order, source, "Int4 " + pairType + " group " + groupSize + " cols=" + cols
                                + (order == null ? "" : " act-order"));
                    }
                }
            }
        }
    }

    @Test
    void loadRowGivesBackEveryPackedWeight() {
        forEveryShape(31, 3, (w, order, source, what) -> {
            int[] groups = new int[w.cols()];
            for (int j = 0; j < w.cols(); j++) {
                groups[order == null ? j : order[j]] = j / w.groupSize();
            }
            float[] row = new float[w.cols()];
            for (int r = 0; r < w.rows(); r++) {
                w.loadRow(r, row);
                for (int c = 0; c < w.cols(); c++) {
                    int g = groups[c];
                    float expected = Math.fma(source.q[r][c], source.scales[r][g], source.mins[r][g]);
                    if (row[c] != expected) {
                        fail(String.format("%s at %d-bit vectors: W[%d][%d] = %s, packed q=%d scale=%s min=%s gives %s",
                                what, Vectors.BITS, r, c, row[c], source.q[r][c], source.scales[r][g], source.mins[r][g], expected));
                    }
                }
            }
        });
    }

    @Test
    void matVecMatchesScalarTwin() {
        forEveryShape(32, 5, (w, order, source, what) -> {
            SplittableRandom random = new SplittableRandom(w.cols());
            float[] x = randomFloats(random, w.cols());
            float[] expected = new float[w.rows()];
            float[] actual = new float[w.rows()];
            w.matVecScalar(x, expected, 0, w.rows());
            w.matVec(x, actual, 0, w.rows());
            assertClose(what + " matVec", expected, actual, tolerance(w.cols()));
        });
    }

    @Test
    void loadRowMatchesScalarTwinExactly() {
        forEveryShape(33, 2, (w, order, source, what) -> {
            float[] expected = new float[w.cols()];
            float[] actual = new float[w.cols()];
            w.loadRowScalar(1, expected);
            w.loadRow(1, actual);
            assertClose(what + " loadRow", expected, actual, 0);
        });
    }

    @Test
    void batchedMatMulMatchesScalarTwin() {
        forEveryShape(34, 6, (w, order, source, what) -> {
            for (int n : new int[]{1, 4, 7}) {
                SplittableRandom random = new SplittableRandom(n);
                float[] x = randomFloats(random, n * w.cols());
                float[] expected = new float[n * w.rows()];
                float[] actual = new float[n * w.rows()];
                w.matMulScalar(x, n, expected, 0, w.rows());
                w.matMul(x, n, actual, 0, w.rows());
                assertClose(what + " matMul n=" + n, expected, actual, tolerance(w.cols()));
            }
        });
    }

    @Test
    void matVecComputesOnlyTheRequestedRows() {
        SplittableRandom random = new SplittableRandom(35);
        try (Arena arena = Arena.ofConfined()) {
            Int4Matrix w = Int4Matrix.pack(arena, Int4Matrix.PairType.F32, 9, 64, 32, null,
                    Source.random(random, 9, 64, 32, Int4Matrix.PairType.F32));
            float[] out = new float[9];
            w.matVec(randomFloats(random, 64), out, 3, 6);
            for (int r : new int[]{0, 1, 2, 6, 7, 8}) {
                if (out[r] != 0f) {
                    fail("row " + r + " outside [3,6) was written: " + out[r]);
                }
            }
        }
    }

    @Test
    void packedBytesReadBackInPlaceGiveTheSameMatrix() {
        forEveryShape(36, 3, (w, order, source, what) -> {
            Int4Matrix mapped = Int4Matrix.of(w.nibbles(), w.scales(), w.mins(), w.pairType(), w.rows(), w.cols(),
                    w.groupSize(), order);
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
                    () -> Int4Matrix.of(arena.allocate(128), arena.allocate(8), arena.allocate(4), Int4Matrix.PairType.F32,
                            2, 128, 128, null));
            assertTrue(size.getMessage().contains(
                    "needs 128 bytes of nibbles and 8 each of F32 scales and mins, segments have 128, 8 and 4"), size.getMessage());
        }
    }

    @Test
    void layoutHoldsNibblePairsPerBlockAndTheScalesAndMinsApart() {
        try (Arena arena = Arena.ofConfined()) {
            Int4Matrix w = Int4Matrix.pack(arena, Int4Matrix.PairType.BF16, 2, 64, 32, null, (r, q, scales, mins) -> {
                for (int c = 0; c < 64; c++) {
                    q[c] = (byte) ((c + r) % 16);
                }
                scales[0] = 0.5f + r;
                scales[1] = 2f + r;
                mins[0] = -1f - r;
                mins[1] = -3f - r;
            });
            assertEquals(2 * 32, w.nibbles().byteSize());
            for (int r = 0; r < 2; r++) {
                for (int b = 0; b < 2; b++) {
                    for (int j = 0; j < 16; j++) {
                        int c = 32 * b + j;
                        int expected = (c + r) % 16 | (c + 16 + r) % 16 << 4;
                        assertEquals(expected, w.nibbles().get(ValueLayout.JAVA_BYTE, 32L * r + 16 * b + j) & 0xFF,
                                "row " + r + " block " + b + " byte " + j);
                    }
                }
                assertEquals(0.5f + r, bf16At(w.scales(), 2L * r));
                assertEquals(2f + r, bf16At(w.scales(), 2L * r + 1));
                assertEquals(-1f - r, bf16At(w.mins(), 2L * r));
                assertEquals(-3f - r, bf16At(w.mins(), 2L * r + 1));
            }
            float[] row = new float[64];
            w.loadRow(1, row);
            assertEquals(Math.fma(2f, 1.5f, -2f), row[1], "q 2 of group 0");
            assertEquals(Math.fma(2f, 3f, -4f), row[33], "q 2 of group 1");
        }
    }

    private static float bf16At(MemorySegment region, long index) {
        return Float.intBitsToFloat(region.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index) << 16);
    }

    @Test
    void layoutTakesFourAndAHalfBitsPerWeightAtGroup128() {
        assertEquals(4096L * 4096 * 9 / 16, Int4Matrix.byteSize(4096, 4096, 128, Int4Matrix.PairType.F32));
        assertEquals(4096L * 4096 * 5 / 8, Int4Matrix.byteSize(4096, 4096, 32, Int4Matrix.PairType.BF16));
    }

    @Test
    void shapesTheLayoutCannotHoldAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            Int4Matrix.RowSource zeros = (r, q, s, m) -> { };
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> Int4Matrix.pack(arena, Int4Matrix.PairType.F32, 2, 48, 24, null, zeros));
            assertTrue(size.getMessage().contains("16 or a multiple of 32, not 24"), size.getMessage());
            IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                    () -> Int4Matrix.pack(arena, Int4Matrix.PairType.F32, 2, 80, 32, null, zeros));
            assertTrue(width.getMessage().contains("80 is not a multiple of its group size 32"), width.getMessage());
            IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                    () -> Int4Matrix.pack(arena, Int4Matrix.PairType.F32, 2, 32, 32, new int[32], zeros));
            assertTrue(order.getMessage().contains("not a permutation"), order.getMessage());
            IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
                    () -> Int4Matrix.pack(arena, Int4Matrix.PairType.F32, 1, 32, 32, null, (r, q, s, m) -> q[5] = 16));
            assertTrue(value.getMessage().contains("16 in row 0, column 5"), value.getMessage());
            IllegalArgumentException pair = assertThrows(IllegalArgumentException.class,
                    () -> Int4Matrix.pack(arena, Int4Matrix.PairType.BF16, 2, 32, 32, null, (r, q, s, m) -> s[0] = r + 0.1f));
            assertTrue(pair.getMessage().contains("row 0, group 0: 0.1 is not a BF16 value"), pair.getMessage());
        }
    }
}
