package dev.glint.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.SIZES;
import static dev.glint.kernels.KernelAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class KvTypeKernelTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Stores {@code values} with the SIMD kernel and with its scalar twin, checks they wrote the same bytes, returns them. */
    private static byte[] stored(KvType type, float... values) {
        try (Arena arena = Arena.ofConfined()) {
            int bytes = type.rowBytes(values.length);
            MemorySegment vector = arena.allocate(bytes + 8);
            MemorySegment scalar = arena.allocate(bytes + 8);
            type.store(values, 0, values.length, vector, 3);
            type.storeScalar(values, 0, values.length, scalar, 3);
            byte[] v = vector.asSlice(3, bytes).toArray(ValueLayout.JAVA_BYTE);
            byte[] s = scalar.asSlice(3, bytes).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(s, v, type + " store differs from its scalar twin at " + Vectors.BITS + "-bit vectors");
            return s;
        }
    }

    private static short[] bf16(float... values) {
        return MemorySegment.ofArray(stored(KvType.BF16, values)).asSlice(0, 2L * values.length).toArray(SHORT);
    }

    private static byte e4m3(float value) {
        return stored(KvType.FP8, value)[0];
    }

    private static float[] roundTrip(KvType type, float[] values) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment row = arena.allocate(type.rowBytes(values.length) + 1);
            type.store(values, 0, values.length, row, 1);
            float[] vector = new float[values.length + 2];
            float[] scalar = new float[values.length + 2];
            type.load(row, 1, values.length, vector, 2);
            type.loadScalar(row, 1, values.length, scalar, 2);
            for (int i = 2; i < values.length + 2; i++) {
                assertEquals(Float.floatToRawIntBits(scalar[i]), Float.floatToRawIntBits(vector[i]), type + " load n="
                        + values.length + " element " + (i - 2) + " at " + Vectors.BITS + "-bit vectors");
            }
            return Arrays.copyOfRange(scalar, 2, values.length + 2);
        }
    }

    @Test
    void rowsTakeWholeWords() {
        assertEquals(96, KvType.F32.rowBytes(24));
        assertEquals(48, KvType.BF16.rowBytes(24));
        assertEquals(8, KvType.BF16.rowBytes(3));
        assertEquals(128, KvType.FP8.rowBytes(128));
        assertEquals(4, KvType.FP8.rowBytes(3));
        assertEquals(24 + 4, KvType.Q8.rowBytes(24));
        assertEquals(128 + 4 * 4, KvType.Q8.rowBytes(128));
        assertEquals(36 + 2 * 4, KvType.Q8.rowBytes(33));
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertArrayEquals(new short[]{
                0x3F80,                 // 1
                0x3F80,                 // 1 + 2^-8: the tie between 1 and 1 + 2^-7 goes to the even 1
                0x3F82,                 // 1 + 3·2^-8: the tie between 0x3F81 and 0x3F82 goes to the even 0x3F82
                0x3F81,                 // just above a tie rounds up
                (short) 0xBF80,         // -1
                0x7F80,                 // the largest float rounds to infinity
                (short) 0x8000,         // -0
        }, bf16(1f, 1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1 + 0x1p-8f + 0x1p-20f, -1f, Float.MAX_VALUE, -0f));
        float[] nan = roundTrip(KvType.BF16, new float[]{Float.intBitsToFloat(0x7F800001)});
        assertTrue(Float.isNaN(nan[0]), "a NaN whose payload is below the BF16 bits must stay NaN, got " + nan[0]);
    }

    @Test
    void fp8RoundsToNearestEvenAndSaturates() {
        assertEquals(0x38, e4m3(1f));
        assertEquals(0x7E, e4m3(448f));
        assertEquals(0x7E, e4m3(464f), "the tie above 448 saturates");
        assertEquals(0x7E, e4m3(1e9f));
        assertEquals(0x7E, e4m3(Float.POSITIVE_INFINITY));
        assertEquals((byte) 0xFE, e4m3(-500f));
        assertEquals(0x7F, e4m3(Float.NaN));
        assertEquals((byte) 0x80, e4m3(-0f));
        assertEquals(0x38, e4m3(1.0625f), "the tie between 1 and 1.125 goes to the even 1");
        assertEquals(0x3A, e4m3(1.1875f), "the tie between 1.125 and 1.25 goes to the even 1.25");
        assertEquals(0x78, e4m3(248f), "the tie between 240 and 256 carries into the exponent");
        assertEquals(0x01, e4m3(0x1p-9f), "smallest subnormal");
        assertEquals(0x00, e4m3(0x1p-10f), "the tie between 0 and 2^-9 goes to 0");
        assertEquals(0x02, e4m3(3 * 0x1p-10f), "the tie between 1 and 2 · 2^-9 goes to 2");
        assertEquals(0x07, e4m3(7 * 0x1p-9f), "largest subnormal");
        assertEquals(0x08, e4m3(7.5f * 0x1p-9f), "the tie above the largest subnormal goes to the smallest normal");
        assertEquals(0x00, e4m3(Float.MIN_VALUE));
    }

    @Test
    void everyFp8CodeSurvivesARoundTrip() {
        float[] values = new float[256];
        for (int code = 0; code < 256; code++) {
            values[code] = Fp8Matrix.e4m3((byte) code);
        }
        byte[] codes = stored(KvType.FP8, values);
        for (int code = 0; code < 256; code++) {
            if ((code & 0x7F) != 0x7F) {
                assertEquals((byte) code, codes[code], "E4M3 value " + values[code]);
            }
        }
    }

    /** The finite code of {@code x}'s sign nearest to it, ties to the even code, found by trying all of them. */
    private static byte nearestE4m3(float x) {
        int sign = Float.floatToRawIntBits(x) < 0 ? 0x80 : 0;
        int best = sign;
        for (int magnitude = 1; magnitude < 0x7F; magnitude++) {
            double error = Math.abs((double) Fp8Matrix.e4m3((byte) (sign | magnitude)) - x);
            double bestError = Math.abs((double) Fp8Matrix.e4m3((byte) best) - x);
            if (error < bestError || error == bestError && (magnitude & 1) == 0) {
                best = sign | magnitude;
            }
        }
        return (byte) best;
    }

    @Test
    void fp8IsTheNearestCodeOfRandomValues() {
        SplittableRandom random = new SplittableRandom(31);
        float[] values = new float[2000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextBoolean() ? 1 : -1) * Math.pow(2, random.nextDouble(-12, 9.5)));
        }
        byte[] codes = stored(KvType.FP8, values);
        for (int i = 0; i < values.length; i++) {
            byte expected = nearestE4m3(values[i]);
            if (codes[i] != expected) {
                fail(String.format("%s encoded as 0x%02x (%s), nearest is 0x%02x (%s)", values[i], codes[i] & 0xFF,
                        Fp8Matrix.e4m3(codes[i]), expected & 0xFF, Fp8Matrix.e4m3(expected)));
            }
        }
    }

    @Test
    void q8BlockHasItsScaleAndRoundsHalfAwayFromZero() {
        float[] values = new float[40];
        values[0] = 127f;
        values[1] = -63.5f;
        values[2] = 0.5f;
        values[3] = -0.49f;
        values[31] = 2.25f;
        values[32] = -3f;
        values[39] = 1.5f;
        byte[] row = stored(KvType.Q8, values);
        assertEquals(48, row.length);
        MemorySegment bytes = MemorySegment.ofArray(row);
        assertEquals(1f, bytes.get(FLOAT, 40), "first block: amax 127");
        assertEquals(3f / 127, bytes.get(FLOAT, 44), "the tail block of 8 has its own scale");
        assertEquals(127, row[0]);
        assertEquals(-64, row[1]);
        assertEquals(1, row[2]);
        assertEquals(0, row[3]);
        assertEquals(2, row[31]);
        assertEquals(-127, row[32]);
        assertEquals(64, row[39], "1.5 / (3/127) = 63.5 rounds away from zero");
    }

    @Test
    void q8ZeroBlockHasScaleZero() {
        float[] values = new float[24];
        byte[] row = stored(KvType.Q8, values);
        assertEquals(0f, MemorySegment.ofArray(row).get(FLOAT, 24));
        assertClose("q8 zeros", values, roundTrip(KvType.Q8, values), 0);
    }

    @Test
    void everyTypeRoundTripsWithinItsPrecision() {
        SplittableRandom random = new SplittableRandom(32);
        for (int n : SIZES) {
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = (float) (random.nextGaussian() * 3);
            }
            assertClose("F32 n=" + n, values, roundTrip(KvType.F32, values), 0);
            assertRelative("BF16 n=" + n, values, roundTrip(KvType.BF16, values), 0x1p-8);
            assertRelative("FP8 n=" + n, values, roundTrip(KvType.FP8, values), 0x1p-4, 0x1p-10);
            float[] q8 = roundTrip(KvType.Q8, values);
            for (int start = 0; start < n; start += KvType.Q8_BLOCK) {
                float amax = 0;
                for (int i = start; i < Math.min(n, start + KvType.Q8_BLOCK); i++) {
                    amax = Math.max(amax, Math.abs(values[i]));
                }
                for (int i = start; i < Math.min(n, start + KvType.Q8_BLOCK); i++) {
                    double error = Math.abs(q8[i] - values[i]);
                    assertTrue(error <= amax / 127 / 2 * (1 + 1e-5), "q8 n=" + n + " element " + i + ": " + values[i]
                            + " came back as " + q8[i] + ", more than half a step of " + amax / 127);
                }
            }
        }
    }

    private static void assertRelative(String what, float[] expected, float[] actual, double relative) {
        assertRelative(what, expected, actual, relative, 0);
    }

    /** |actual − expected| ≤ relative · |expected| + absolute for every element. */
    private static void assertRelative(String what, float[] expected, float[] actual, double relative, double absolute) {
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs((double) actual[i] - expected[i]);
            if (!(error <= relative * Math.abs(expected[i]) + absolute)) {
                fail(what + ": element " + i + " is " + expected[i] + ", came back as " + actual[i]);
            }
        }
    }

    @Test
    void storesMatchTheirScalarTwinsAtEverySize() {
        SplittableRandom random = new SplittableRandom(33);
        for (KvType type : KvType.values()) {
            for (int n : SIZES) {
                float[] values = new float[n];
                for (int i = 0; i < n; i++) {
                    values[i] = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(-12, 10)));
                }
                stored(type, values);
                roundTrip(type, values);
            }
        }
    }

    @Test
    void typesAreNamedAsUsersNameThem() {
        assertEquals(KvType.Q8, KvType.named("q8_0"));
        assertEquals(KvType.FP8, KvType.named("FP8_E4M3"));
        assertEquals(KvType.BF16, KvType.named("bf16"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvType.named("q4_0"));
        assertTrue(e.getMessage().contains("q4_0"), e.getMessage());
    }
}
