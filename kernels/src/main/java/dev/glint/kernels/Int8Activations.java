package dev.glint.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static dev.glint.kernels.Vectors.F32;
import static dev.glint.kernels.Vectors.LANES;

/**
 * Activations of {@code n} tokens quantized to int8 for integer dot products, symmetrically in blocks of
 * {@link #BLOCK} consecutive values of a row: {@code x ≈ q · scale} with {@code q} in −127..127 and
 * {@code scale = max |x| / 127} of the block. Each block also keeps the float sum of its values, which the
 * {@code min} terms of asymmetric weight formats multiply (so those terms carry no activation rounding).
 * Rounding to 8 bits moves each value by at most {@code scale / 2}, a relative error of at most 1/254 of the block's
 * largest value — what llama.cpp's Q8 activations also give up.
 */
public record Int8Activations(int n, int cols, byte[] q, float[] scales, float[] sums) {
    public static final int BLOCK = 32;
    private static final FloatVector HALF = FloatVector.broadcast(F32, 0.5f);
    /** The byte lanes that a float vector narrows into, where a byte vector has more (at 128 bits). */
    private static final VectorMask<Byte> FLOAT_LANES = Vectors.I8.indexInRange(0, LANES);

    public Int8Activations {
        if (cols % BLOCK != 0 || q.length != n * cols || scales.length != n * cols / BLOCK || sums.length != scales.length) {
            throw new IllegalArgumentException("int8 activations of " + n + " x " + cols + " need a width that is a multiple of "
                    + BLOCK + ", " + n * cols + " values and " + n * cols / BLOCK + " scales and sums");
        }
    }

    /** Quantizes the first {@code n} rows of {@code x}, row-major {@code [n][cols]}. */
    public static Int8Activations quantize(float[] x, int n, int cols) {
        if (cols % BLOCK != 0) {
            throw new IllegalArgumentException("int8 activations need a width that is a multiple of " + BLOCK + ", not " + cols);
        }
        int blocks = n * cols / BLOCK;
        byte[] q = new byte[n * cols];
        float[] scales = new float[blocks];
        float[] sums = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            int start = b * BLOCK;
            FloatVector max = FloatVector.zero(F32), sum = FloatVector.zero(F32);
            for (int i = start; i < start + BLOCK; i += LANES) {
                FloatVector v = FloatVector.fromArray(F32, x, i);
                max = max.max(v.abs());
                sum = sum.add(v);
            }
            float largest = max.reduceLanes(VectorOperators.MAX);
            float inverse = largest == 0f ? 0f : 127 / largest;
            for (int i = start; i < start + BLOCK; i += LANES) {
                // to nearest, halves away from zero: the conversion to int truncates
                FloatVector v = FloatVector.fromArray(F32, x, i).mul(inverse);
                FloatVector half = HALF.blend(-0.5f, v.compare(VectorOperators.LT, 0f));
                ByteVector rounded = (ByteVector) v.add(half)
                        .convert(VectorOperators.F2I, 0).convertShape(VectorOperators.I2B, Vectors.I8, 0);
                if (Vectors.I8_PARTS == 1) {
                    rounded.intoArray(q, i);
                } else {
                    rounded.intoArray(q, i, FLOAT_LANES);
                }
            }
            scales[b] = largest / 127;
            sums[b] = sum.reduceLanes(VectorOperators.ADD);
        }
        return new Int8Activations(n, cols, q, scales, sums);
    }
}
