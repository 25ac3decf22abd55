package dev.glint.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/** Random inputs and a closeness check that reports the worst element, shared by the kernel tests. */
final class KernelAssertions {
    /** Sizes that exercise full vectors, the two-accumulator loop and scalar tails at every vector width. */
    static final int[] SIZES = {1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 128, 129, 257};

    private KernelAssertions() {
    }

    static float[] randomFloats(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }

    static MemorySegment randomBf16(Arena arena, SplittableRandom random, long count) {
        MemorySegment segment = arena.allocate(2 * count);
        for (long i = 0; i < count; i++) {
            int bits = Float.floatToRawIntBits((float) (random.nextDouble() * 2 - 1));
            segment.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2 * i, (short) (bits >>> 16));
        }
        return segment;
    }

    static MemorySegment randomF32(Arena arena, SplittableRandom random, long count) {
        MemorySegment segment = arena.allocate(4 * count);
        for (long i = 0; i < count; i++) {
            segment.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4 * i,
                    (float) (random.nextDouble() * 2 - 1));
        }
        return segment;
    }

    /** Fails when any |actual − expected| exceeds {@code tolerance · (1 + |expected|)}, naming the worst index. */
    static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
        int worst = -1;
        double worstError = 0;
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
            if (!(error <= worstError)) {
                worstError = error;
                worst = i;
            }
        }
        if (worst >= 0 && !(worstError <= tolerance)) {
            fail(String.format("%s at %d-bit vectors: element %d is %.9g, scalar twin gives %.9g (relative error %.3g > %.3g)",
                    what, Vectors.BITS, worst, actual[worst], expected[worst], worstError, tolerance));
        }
    }
}
