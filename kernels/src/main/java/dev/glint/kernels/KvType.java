package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;

import static dev.glint.kernels.Vectors.I16;
import static dev.glint.kernels.Vectors.I32;
import static dev.glint.kernels.Vectors.I8;
import static dev.glint.kernels.Vectors.I8_PARTS;
import static dev.glint.kernels.Vectors.LANES;

/**
 * How one head row of a KV cache (head_dim values of a key after RoPE, or of a value) is stored. All rows are
 * little-endian and a whole number of 4-byte words ({@link #rowBytes}); no alignment beyond a byte is required of
 * {@code at}, but rows that start on 4 bytes keep every scale aligned.
 * <ul>
 * <li>{@link #F32}: the floats as they are.</li>
 * <li>{@link #BF16}: the top half of each float, rounded to nearest even (NaN stays NaN).</li>
 * <li>{@link #FP8}: E4M3FN of the value itself with no scale (vLLM's {@code fp8} KV cache at scale 1.0): rounded to
 * nearest even, saturating at ±448, NaN kept.</li>
 * <li>{@link #Q8}: llama.cpp's q8_0 with an F32 scale. Values go in blocks of 32 ({@code n % 32} in a shorter last
 * block); a block has {@code d = amax / 127} and codes {@code q = round(x · (1 / d))}, half away from zero, as
 * llama.cpp computes them ({@code d = 0} for a block of zeros). The row
 * is the {@code n} int8 codes, padding to a multiple of 4 bytes, then one F32 {@code d} per block.</li>
 * </ul>
 * {@code store}/{@code load} are the SIMD kernels; {@code storeScalar}/{@code loadScalar} their scalar twins, which
 * give the same bytes and floats exactly.
 */
public enum KvType {
    F32 {
        @Override
        public int rowBytes(int values) {
            return 4 * values;
        }

        @Override
        public void store(float[] src, int off, int n, MemorySegment dst, long at) {
            MemorySegment.copy(src, off, dst, FLOAT, at, n);
        }

        @Override
        public void storeScalar(float[] src, int off, int n, MemorySegment dst, long at) {
            for (int i = 0; i < n; i++) {
                dst.set(FLOAT, at + 4L * i, src[off + i]);
            }
        }

        /** A vector loop rather than {@code MemorySegment.copy}, whose call into a copy stub costs more than a row. */
        @Override
        public void load(MemorySegment src, long at, int n, float[] dst, int off) {
            int i = 0;
            for (int bound = n - LANES; i <= bound; i += LANES) {
                FloatVector.fromMemorySegment(Vectors.F32, src, at + 4L * i, ByteOrder.LITTLE_ENDIAN).intoArray(dst, off + i);
            }
            loadScalar(src, at + 4L * i, n - i, dst, off + i);
        }

        @Override
        public void loadScalar(MemorySegment src, long at, int n, float[] dst, int off) {
            for (int i = 0; i < n; i++) {
                dst[off + i] = src.get(FLOAT, at + 4L * i);
            }
        }
    },

    BF16 {
        @Override
        public int rowBytes(int values) {
            return wordAligned(2 * values);
        }

        @Override
        public void store(float[] src, int off, int n, MemorySegment dst, long at) {
            int i = 0;
            for (int bound = n - LANES; i <= bound; i += LANES) {
                FloatVector x = FloatVector.fromArray(Vectors.F32, src, off + i);
                IntVector bits = x.reinterpretAsInts();
                IntVector rounded = bits.add(0x7FFF).add(bits.lanewise(VectorOperators.LSHR, 16).and(1))
                        .lanewise(VectorOperators.LSHR, 16);
                IntVector quietNan = bits.lanewise(VectorOperators.LSHR, 16).or(0x40);
                IntVector halves = rounded.blend(quietNan, x.test(VectorOperators.IS_NAN).cast(I32));
                halves.convertShape(VectorOperators.I2S, I16, 0).reinterpretAsShorts()
                        .intoMemorySegment(dst, at + 2L * i, ByteOrder.LITTLE_ENDIAN);
            }
            storeScalar(src, off + i, n - i, dst, at + 2L * i);
        }

        @Override
        public void storeScalar(float[] src, int off, int n, MemorySegment dst, long at) {
            for (int i = 0; i < n; i++) {
                dst.set(SHORT, at + 2L * i, bf16(src[off + i]));
            }
        }

        @Override
        public void load(MemorySegment src, long at, int n, float[] dst, int off) {
            int i = 0;
            for (int bound = n - LANES; i <= bound; i += LANES) {
                Vectors.bf16(src, at + 2L * i).intoArray(dst, off + i);
            }
            loadScalar(src, at + 2L * i, n - i, dst, off + i);
        }

        @Override
        public void loadScalar(MemorySegment src, long at, int n, float[] dst, int off) {
            for (int i = 0; i < n; i++) {
                dst[off + i] = Vectors.bf16(src.get(SHORT, at + 2L * i));
            }
        }
    },

    FP8 {
        @Override
        public int rowBytes(int values) {
            return wordAligned(values);
        }

        @Override
        public void store(float[] src, int off, int n, MemorySegment dst, long at) {
            int i = 0;
            for (int bound = n - I8.length(); i <= bound; i += I8.length()) {
                ByteVector codes = narrow(e4m3Codes(FloatVector.fromArray(Vectors.F32, src, off + i)), 0);
                if (I8_PARTS == 2) {
                    codes = codes.or(narrow(e4m3Codes(FloatVector.fromArray(Vectors.F32, src, off + i + LANES)), 1));
                }
                codes.intoMemorySegment(dst, at + i, ByteOrder.LITTLE_ENDIAN);
            }
            storeScalar(src, off + i, n - i, dst, at + i);
        }

        @Override
        public void storeScalar(float[] src, int off, int n, MemorySegment dst, long at) {
            for (int i = 0; i < n; i++) {
                dst.set(ValueLayout.JAVA_BYTE, at + i, Fp8Matrix.e4m3Code(src[off + i]));
            }
        }

        @Override
        public void load(MemorySegment src, long at, int n, float[] dst, int off) {
            int i = 0;
            for (int bound = n - I8.length(); i <= bound; i += I8.length()) {
                ByteVector codes = ByteVector.fromMemorySegment(I8, src, at + i, ByteOrder.LITTLE_ENDIAN);
                for (int part = 0; part < I8_PARTS; part++) {
                    Fp8Matrix.decode(codes, part).intoArray(dst, off + i + part * LANES);
                }
            }
            loadScalar(src, at + i, n - i, dst, off + i);
        }

        @Override
        public void loadScalar(MemorySegment src, long at, int n, float[] dst, int off) {
            for (int i = 0; i < n; i++) {
                dst[off + i] = Fp8Matrix.e4m3(src.get(ValueLayout.JAVA_BYTE, at + i));
            }
        }
    },

    Q8 {
        @Override
        public int rowBytes(int values) {
            return wordAligned(values) + 4 * blocks(values);
        }

        @Override
        public void store(float[] src, int off, int n, MemorySegment dst, long at) {
            long scales = at + wordAligned(n);
            int start = 0;
            for (; start + Q8_BLOCK <= n; start += Q8_BLOCK) {
                FloatVector amax = FloatVector.zero(Vectors.F32);
                for (int i = start; i < start + Q8_BLOCK; i += LANES) {
                    amax = amax.max(FloatVector.fromArray(Vectors.F32, src, off + i).abs());
                }
                float d = amax.reduceLanes(VectorOperators.MAX) / 127;
                float inverse = d == 0 ? 0 : 1 / d;
                for (int i = start; i < start + Q8_BLOCK; i += I8.length()) {
                    ByteVector codes = narrow(q8Codes(FloatVector.fromArray(Vectors.F32, src, off + i), inverse), 0);
                    if (I8_PARTS == 2) {
                        codes = codes.or(narrow(q8Codes(FloatVector.fromArray(Vectors.F32, src, off + i + LANES), inverse), 1));
                    }
                    codes.intoMemorySegment(dst, at + i, ByteOrder.LITTLE_ENDIAN);
                }
                dst.set(FLOAT, scales + 4L * (start / Q8_BLOCK), d);
            }
            if (start < n) {
                storeQ8Block(src, off, start, n, dst, at, scales);
            }
        }

        @Override
        public void storeScalar(float[] src, int off, int n, MemorySegment dst, long at) {
            long scales = at + wordAligned(n);
            for (int start = 0; start < n; start += Q8_BLOCK) {
                storeQ8Block(src, off, start, Math.min(n, start + Q8_BLOCK), dst, at, scales);
            }
        }

        @Override
        public void load(MemorySegment src, long at, int n, float[] dst, int off) {
            long scales = at + wordAligned(n);
            int start = 0;
            for (; start + Q8_BLOCK <= n; start += Q8_BLOCK) {
                float d = src.get(FLOAT, scales + 4L * (start / Q8_BLOCK));
                for (int i = start; i < start + Q8_BLOCK; i += I8.length()) {
                    ByteVector codes = ByteVector.fromMemorySegment(I8, src, at + i, ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < I8_PARTS; part++) {
                        q8Values(codes, part, d).intoArray(dst, off + i + part * LANES);
                    }
                }
            }
            if (start < n) {
                loadQ8Block(src, at, start, n, scales, dst, off);
            }
        }

        @Override
        public void loadScalar(MemorySegment src, long at, int n, float[] dst, int off) {
            long scales = at + wordAligned(n);
            for (int start = 0; start < n; start += Q8_BLOCK) {
                loadQ8Block(src, at, start, Math.min(n, start + Q8_BLOCK), scales, dst, off);
            }
        }
    };

    /** Values per q8_0 scale. */
    public static final int Q8_BLOCK = 32;

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Adding 2^23 to a float in [0, 2^22) leaves its value rounded to an integer (nearest even) in the low mantissa bits. */
    private static final float ROUNDING_MAGIC = 0x1p23f;
    private static final int ROUNDING_MAGIC_BITS = Float.floatToRawIntBits(ROUNDING_MAGIC);

    /** Bytes of one row of {@code values} values, a multiple of 4. */
    public abstract int rowBytes(int values);

    /** Encodes {@code src[off, off + n)} as one row at byte {@code at} of {@code dst}. */
    public abstract void store(float[] src, int off, int n, MemorySegment dst, long at);

    public abstract void storeScalar(float[] src, int off, int n, MemorySegment dst, long at);

    /** Decodes the row of {@code n} values at byte {@code at} of {@code src} into {@code dst[off, off + n)}. */
    public abstract void load(MemorySegment src, long at, int n, float[] dst, int off);

    public abstract void loadScalar(MemorySegment src, long at, int n, float[] dst, int off);

    /** The type a user names: {@code f32}, {@code bf16}, {@code fp8} (or {@code fp8_e4m3}), {@code q8_0} (or {@code q8}). */
    public static KvType named(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> F32;
            case "bf16", "bfloat16" -> BF16;
            case "fp8", "fp8_e4m3" -> FP8;
            case "q8_0", "q8" -> Q8;
            default -> throw new IllegalArgumentException(
                    "unknown KV cache type '" + name + "': expected f32, bf16, fp8 (E4M3) or q8_0");
        };
    }

    private static int wordAligned(int bytes) {
        return (bytes + 3) & ~3;
    }

    private static int blocks(int values) {
        return (values + Q8_BLOCK - 1) / Q8_BLOCK;
    }

    /** BF16 bits of {@code x}, rounded to nearest even; a NaN keeps its sign and top payload and is made quiet. */
    static short bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /**
     * E4M3FN codes of {@link Vectors#LANES} floats, in int lanes, by the arithmetic of {@link Fp8Matrix#e4m3Code}.
     * A normal result rounds its float bits to 3 mantissa bits (ties to even) by an integer add, which carries into the
     * exponent as it should, then rebiases the exponent from 127 to 7; a subnormal one is {@code a · 2^9} rounded by
     * adding 2^23.
     */
    private static IntVector e4m3Codes(FloatVector x) {
        IntVector sign = x.reinterpretAsInts().lanewise(VectorOperators.LSHR, 24).and(0x80);
        FloatVector a = x.abs().min(Fp8Matrix.E4M3_MAX);
        IntVector bits = a.reinterpretAsInts();
        IntVector normal = bits.add(0x7FFFF).add(bits.lanewise(VectorOperators.LSHR, 20).and(1))
                .lanewise(VectorOperators.LSHR, 20).sub(120 << 3);
        IntVector subnormal = a.fma(512f, ROUNDING_MAGIC).reinterpretAsInts().sub(ROUNDING_MAGIC_BITS);
        IntVector magnitude = normal.blend(subnormal, a.compare(VectorOperators.LT, Fp8Matrix.E4M3_MIN_NORMAL).cast(I32))
                .blend(Fp8Matrix.NAN_CODE, a.test(VectorOperators.IS_NAN).cast(I32));
        return magnitude.or(sign);
    }

    /** q8_0 codes of {@link Vectors#LANES} floats: {@code x / d} rounded half away from zero, as llama.cpp's roundf. */
    private static IntVector q8Codes(FloatVector x, float inverseScale) {
        FloatVector scaled = x.mul(inverseScale);
        FloatVector magnitude = scaled.abs();
        IntVector whole = (IntVector) magnitude.convert(VectorOperators.F2I, 0);
        VectorMask<Integer> roundUp = magnitude.sub((FloatVector) whole.convert(VectorOperators.I2F, 0))
                .compare(VectorOperators.GE, 0.5f).cast(I32);
        IntVector rounded = whole.add(1, roundUp);
        return rounded.blend(rounded.neg(), scaled.compare(VectorOperators.LT, 0f).cast(I32));
    }

    /** Part {@code part} of {@link Vectors#LANES} codes in int lanes, as bytes in part {@code part} of one byte vector. */
    private static ByteVector narrow(IntVector codes, int part) {
        return (ByteVector) codes.convertShape(VectorOperators.I2B, I8, -part);
    }

    private static FloatVector q8Values(ByteVector codes, int part, float d) {
        return ((FloatVector) codes.convertShape(VectorOperators.B2F, Vectors.F32, part)).mul(d);
    }

    private static void storeQ8Block(float[] src, int off, int start, int end, MemorySegment dst, long at, long scales) {
        float amax = 0f;
        for (int i = start; i < end; i++) {
            amax = Math.max(amax, Math.abs(src[off + i]));
        }
        float d = amax / 127;
        float inverse = d == 0 ? 0 : 1 / d;
        for (int i = start; i < end; i++) {
            float scaled = src[off + i] * inverse;
            dst.set(ValueLayout.JAVA_BYTE, at + i, (byte) Math.copySign(Math.round(Math.abs(scaled)), scaled));
        }
        dst.set(FLOAT, scales + 4L * (start / Q8_BLOCK), d);
    }

    private static void loadQ8Block(MemorySegment src, long at, int start, int end, long scales, float[] dst, int off) {
        float d = src.get(FLOAT, scales + 4L * (start / Q8_BLOCK));
        for (int i = start; i < end; i++) {
            dst[off + i] = src.get(ValueLayout.JAVA_BYTE, at + i) * d;
        }
    }
}
