package dev.glint.engine.checkpoint;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The element types a safetensors header may name, spelled exactly as in the header. */
public enum DType {
    BOOL(8, false),
    F4(4, false),
    F6_E2M3(6, false),
    F6_E3M2(6, false),
    U8(8, true),
    I8(8, true),
    F8_E5M2(8, false),
    F8_E4M3(8, true),
    F8_E8M0(8, false),
    F8_E4M3FNUZ(8, false),
    F8_E5M2FNUZ(8, false),
    I16(16, false),
    U16(16, false),
    F16(16, true),
    BF16(16, true),
    I32(32, true),
    U32(32, false),
    F32(32, true),
    C64(64, false),
    F64(64, false),
    I64(64, true),
    U64(64, false);

    private final int bits;
    private final boolean supported;

    DType(int bits, boolean supported) {
        this.bits = bits;
        this.supported = supported;
    }

    public int bits() {
        return bits;
    }

    /** Whether Glint has kernels or conversions for this type; others can be listed but not read. */
    public boolean supported() {
        return supported;
    }

    /**
     * Bytes taken by {@code numel} elements.
     *
     * @throws ArithmeticException if the size does not fit in a long
     * @throws IllegalArgumentException if sub-byte elements would end part-way through a byte
     */
    public long byteSize(long numel) {
        long totalBits = Math.multiplyExact(numel, (long) bits);
        if (totalBits % 8 != 0) {
            throw new IllegalArgumentException(numel + " elements of " + this + " end part-way through a byte");
        }
        return totalBits / 8;
    }

    public static Optional<DType> fromName(String name) {
        return Arrays.stream(values()).filter(t -> t.name().equals(name)).findFirst();
    }

    public static String supportedNames() {
        return Arrays.stream(values()).filter(DType::supported).map(DType::name).collect(Collectors.joining(", "));
    }

    static String allNames() {
        return Arrays.stream(values()).map(DType::name).collect(Collectors.joining(", "));
    }
}
