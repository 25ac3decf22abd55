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
