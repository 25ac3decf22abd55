package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static dev.glint.kernels.KernelAssertions.SIZES;
import static dev.glint.kernels.KernelAssertions.assertClose;
import static dev.glint.kernels.KernelAssertions.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class Fp8MatrixKernelTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Per channel, DeepSeek's 128×128, and small odd blocks whose edges cut through vectors at every width. */
    private static final int[][] BLOCKS = {{1, 0}, {128, 128}, {2, 16}, {3, 7}};

    private static double tolerance(int cols) {
        return 4e-6 * Math.sqrt(cols);
    }

    /**
     * Random finite codes (NaN codes would make every comparison fail), scales around 1/448 so weights are about ±1.
     * Most codes are normal, as real weights' are, with a zero or subnormal in about a quarter of the 64-code steps,
     * so that the vector loops run both their normal-code path and their exact one at every width.
     */
    private static Fp8Matrix random(Arena arena, SplittableRandom random, int rows, int cols, int blockRows, int blockCols) {
        int bc = blockCols == 0 ? cols : blockCols;
        MemorySegment data = arena.allocate((long) rows * cols);
        for (long i = 0; i < data.byteSize(); i++) {
            int magnitude = random.nextInt(230) == 0 ? random.nextInt(8) : 8 + random.nextInt(0x7F - 8);
            data.set(ValueLayout.JAVA_BYTE, i, (byte) (magnitude | random.nextInt(2) << 7));
        }
        int scaleCount = ((rows + blockRows - 1) / blockRows) * ((cols + bc - 1) / bc);
        MemorySegment scales = arena.allocate(4L * scaleCount);
        for (int s = 0; s < scaleCount; s++) {
            scales.setAtIndex(FLOAT, s, (float) ((0.5 + random.nextDouble()) / 448));
        }
        return new Fp8Matrix(data, rows, cols, scales, blockRows, bc);
    }

    @Test
    void referenceDecoderGivesTheE4m3fnTable() {
        assertEquals(448f, Fp8Matrix.e4m3((byte) 0x7E));
        assertEquals(256f, Fp8Matrix.e4m3((byte) 0x78), "0x78 is a normal number, not NaN or infinity");
        assertEquals(-448f, Fp8Matrix.e4m3((byte) 0xFE));
        assertEquals(1f, Fp8Matrix.e4m3((byte) 0x38));
        assertEquals(0x1p-6f, Fp8Matrix.e4m3((byte) 0x08), "smallest normal");
        assertEquals(0x1p-9f, Fp8Matrix.e4m3((byte) 0x01), "smallest subnormal");
        assertEquals(0x1.cp-7f, Fp8Matrix.e4m3((byte) 0x07), "largest subnormal");
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Fp8Matrix.e4m3((byte) 0x80)));
        assertTrue(Float.isNaN(Fp8Matrix.e4m3((byte) 0x7F)) && Float.isNaN(Fp8Matrix.e4m3((byte) 0xFF)));
    }

    @Test
    void everyCodeDecodesInTheVectorLoopAsTheReferenceDoes() {
        try (Arena arena = Arena.ofConfined()) {
            int[] codes = everyCodeEachSpecialAloneInItsStep();
            int cols = codes.length;
            MemorySegment data = arena.allocate(cols);
            for (int i = 0; i < cols; i++) {
                data.set(ValueLayout.JAVA_BYTE, i, (byte) codes[i]);
            }
            MemorySegment one = arena.allocate(4);
            one.set(FLOAT, 0, 1f);
            float[] decoded = new float[cols];
            Fp8Matrix.perChannel(data, 1, cols, one).loadRow(0, decoded);
            for (int i = 0; i < cols; i++) {
                float expected = Fp8Matrix.e4m3((byte) codes[i]);
                boolean same = Float.isNaN(expected) ? Float.isNaN(decoded[i])
                        : Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(decoded[i]);
                if (!same) {
                    fail(String.format("code 0x%02x decoded to %s at %d-bit vectors, expected %s",
                            codes[i], decoded[i], Vectors.BITS, expected));
                }
            }
        }
    }

    /**
     * Every code, each zero, subnormal and NaN alone among 63 normal codes, so that it is the only one in its step
     * of the vector loop at every width (64, 32 or 16 codes) and must send that step to the exact decoder; then all
     * 256 codes in order, and five more for a scalar tail.
     */
    private static int[] everyCodeEachSpecialAloneInItsStep() {
        int[] normal = IntStream.range(0, 256).filter(c -> (c & 0x7F) >= 8 && (c & 0x7F) != 0x7F).toArray();
        int[] special = IntStream.range(0, 256).filter(c -> (c & 0x7F) < 8 || (c & 0x7F) == 0x7F).toArray();
        IntStream.Builder codes = IntStream.builder();
        int next = 0;
        for (int code : special) {
            for (int i = 0; i < 63; i++, next++) {
                codes.add(normal[next % normal.length]);
            }
            codes.add(code);
        }
        IntStream.range(0, 256 + 5).forEach(c -> codes.add(c & 0xFF));
        return codes.build().toArray();
    }

    @Test
    void matVecMatchesScalarTwinForEveryBlockingAndSize() {
        SplittableRandom random = new SplittableRandom(21);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] block : BLOCKS) {
                for (int cols : SIZES) {
                    int rows = 5;
                    Fp8Matrix w = random(arena, random, rows, cols, block[0], block[1]);
                    float[] x = randomFloats(random, cols);
                    float[] expected = new float[rows];
                    float[] actual = new float[rows];
                    w.matVecScalar(x, expected, 0, rows);
                    w.matVec(x, actual, 0, rows);
                    assertClose("FP8 " + block[0] + "x" + w.blockCols() + " matVec cols=" + cols, expected, actual, tolerance(cols));
                }
            }
        }
    }

    @Test
    void loadRowMatchesScalarTwinExactly() {
        SplittableRandom random = new SplittableRandom(22);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] block : BLOCKS) {
                for (int cols : new int[]{1, 7, 16, 33, 129, 300}) {
                    Fp8Matrix w = random(arena, random, 4, cols, block[0], block[1]);
                    float[] expected = new float[cols];
                    float[] actual = new float[cols];
                    w.loadRowScalar(3, expected);
                    w.loadRow(3, actual);
                    assertClose("FP8 " + block[0] + "x" + w.blockCols() + " loadRow cols=" + cols, expected, actual, 0);
                }
            }
        }
    }

    @Test
    void batchedMatMulMatchesScalarTwin() {
        SplittableRandom random = new SplittableRandom(23);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] block : BLOCKS) {
                for (int n : new int[]{1, 4, 9}) {
                    for (int cols : new int[]{7, 129, 320}) {
                        int rows = 6;
                        Fp8Matrix w = random(arena, random, rows, cols, block[0], block[1]);
                        float[] x = randomFloats(random, n * cols);
                        float[] expected = new float[n * rows];
                        float[] actual = new float[n * rows];
                        w.matMulScalar(x, n, expected, 0, rows);
                        w.matMul(x, n, actual, 0, rows);
                        assertClose("FP8 " + block[0] + "x" + w.blockCols() + " matMul n=" + n + " cols=" + cols,
                                expected, actual, tolerance(cols));
                    }
                }
            }
        }
    }

    @Test
    void scalesOfTheWrongCountAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Fp8Matrix(arena.allocate(200L * 300), 200, 300, arena.allocate(4L * 4), 128, 128));
            assertTrue(e.getMessage().contains("24 bytes of F32 scales"), e.getMessage());
        }
    }
}
