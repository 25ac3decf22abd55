package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.Tensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Element reads of the small side tensors of quantized weights (scales, packed words, zero points, indices). */
final class Tensors {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Tensors() {
    }

    /** Refuses {@code t} unless its dtype is one of {@code allowed}; {@code role} says what the tensor is for. */
    static Tensor requireDType(Tensor t, String role, DType... allowed) {
        if (!Arrays.asList(allowed).contains(t.dtype())) {
            throw new CheckpointException("tensor " + t.name() + " in " + t.file() + " is " + t.dtype() + "; " + role
                    + " must be " + Arrays.stream(allowed).map(DType::name).collect(Collectors.joining(" or ")));
        }
        return t;
    }

    static Tensor requireFloat(Tensor t, String role) {
        return requireDType(t, role, DType.F32, DType.BF16, DType.F16);
    }

    static float floatAt(Tensor t, long index) {
        return switch (t.dtype()) {
            case F32 -> t.data().getAtIndex(F32, index);
            case BF16 -> Float.intBitsToFloat((t.data().getAtIndex(HALF, index) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(t.data().getAtIndex(HALF, index));
            default -> throw new IllegalStateException(t + " is not a float tensor");
        };
    }

    /** A scale, refused by position when it is not a finite number: a corrupt scale would poison every output. */
    static float scaleAt(Tensor t, long index) {
        float scale = floatAt(t, index);
        if (!Float.isFinite(scale)) {
            throw new CheckpointException("tensor " + t.name() + " in " + t.file() + " holds scale " + scale
                    + " at element " + index + "; scales must be finite");
        }
        return scale;
    }

    /**
     * Refuses a BF16 or F16 tensor of scales holding an infinity or NaN, by the position of the first: a corrupt scale
     * would poison every output. Four values are tested per 64-bit word: adding the lowest bit of a value's exponent
     * field to the field alone carries into the sign bit exactly when the field is all ones.
     */
    static Tensor requireFiniteHalves(Tensor t) {
        long exponents, lowestExponentBits;
        switch (t.dtype()) {
            case BF16 -> {
                exponents = 0x7F80_7F80_7F80_7F80L;
                lowestExponentBits = 0x0080_0080_0080_0080L;
            }
            case F16 -> {
                exponents = 0x7C00_7C00_7C00_7C00L;
                lowestExponentBits = 0x0400_0400_0400_0400L;
            }
            default -> throw new IllegalStateException(t + " is not a 16-bit float tensor");
        }
        long count = t.data().byteSize() / 2;
        long words = count / 4;
        for (long w = 0; w < words; w++) {
            if (((t.data().getAtIndex(I64, w) & exponents) + lowestExponentBits & 0x8000_8000_8000_8000L) != 0) {
                refuseNonFinite(t, 4 * w, 4 * w + 4);
            }
        }
        refuseNonFinite(t, 4 * words, count);
        return t;
    }

    private static void refuseNonFinite(Tensor t, long from, long to) {
        for (long i = from; i < to; i++) {
            scaleAt(t, i);
        }
    }

    static int intAt(Tensor t, long index) {
        return t.data().getAtIndex(I32, index);
    }

    static long integerAt(Tensor t, long index) {
        return switch (t.dtype()) {
            case I32 -> t.data().getAtIndex(I32, index);
            case I64 -> t.data().getAtIndex(I64, index);
            default -> throw new IllegalStateException(t + " is not an integer tensor");
        };
    }

    /** The 4-bit value at nibble {@code nibble} (bits {@code 4·nibble}…) of a packed 32-bit word. */
    static int nibble(int word, int nibble) {
        return (word >>> 4 * nibble) & 0xF;
    }
}
