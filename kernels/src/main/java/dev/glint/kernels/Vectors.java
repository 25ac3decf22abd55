package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The vector species every kernel uses. The width is the machine's preferred one unless the system property
 * {@code glint.vector.bits} forces 128, 256 or 512 (tests run each kernel at every width against its scalar twin).
 * The species are static finals so C2 folds them into the kernels.
 */
public final class Vectors {
    public static final int BITS = chooseBits();
    public static final VectorSpecies<Float> F32 = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    public static final VectorSpecies<Integer> I32 = IntVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    /** As many 16-bit lanes as {@link #F32} has float lanes: one BF16 load widens to one float vector. */
    public static final VectorSpecies<Short> I16 = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS / 2));
    public static final int LANES = F32.length();
    /**
     * Byte lanes for formats of one byte per weight: as many as {@link #F32} has float lanes, widened whole, where
     * such a vector exists; at 128 bits (no 32-bit byte vectors) twice as many, widened in two parts. Splitting a
     * wider load into more parts measured 25% slower.
     */
    static final VectorSpecies<Byte> I8 = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, BITS / 4)));
    /** Float vectors per {@link #I8} load: 2 at 128 bits, else 1. */
    static final int I8_PARTS = I8.length() / LANES;

    private Vectors() {
    }

    private static int chooseBits() {
        String forced = System.getProperty("glint.vector.bits");
        if (forced == null || forced.isBlank()) {
            return FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
        int bits = Integer.parseInt(forced.trim());
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("glint.vector.bits must be 128, 256 or 512, not " + forced);
        }
        return bits;
    }

    /** Widens {@link #LANES} little-endian BF16 values at {@code byteOffset} to floats (BF16 is the top half of an F32). */
    static FloatVector bf16(MemorySegment segment, long byteOffset) {
        ShortVector halves = ShortVector.fromMemorySegment(I16, segment, byteOffset, ByteOrder.LITTLE_ENDIAN);
        IntVector widened = (IntVector) halves.convertShape(VectorOperators.S2I, I32, 0);
        return widened.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
