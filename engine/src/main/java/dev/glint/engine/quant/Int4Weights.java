package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.kernels.Int4Matrix;

/**
 * The three Int4 checkpoint layouts, each repacked into {@link Int4Matrix}. Every one stores unsigned 4-bit values
 * {@code q} and per-group scales {@code s} and zero points {@code z} with {@code W = (q − z) · s}; they differ in
 * orientation, packing direction and nibble order, which is what silently garbles a model when mixed up.
 */
final class Int4Weights {
    /** AWQ's interleave: logical column {@code c} of a packed word sits in nibble {@code AWQ_NIBBLE[c % 8]}. */
    private static final int[] AWQ_NIBBLE = {0, 4, 1, 5, 2, 6, 3, 7};

    private Int4Weights() {
    }

    /**
     * compressed-tensors pack-quantized: {@code weight_packed} I32 {@code [rows, cols/8]}, element {@code c} of a row
     * in nibble {@code c % 8} of word {@code c / 8}, stored as {@code q + 8}; {@code weight_scale [rows, groups]};
     * {@code weight_zero_point} I32 {@code [⌈rows/8⌉, groups]} packed along the output dimension (symmetric
     * checkpoints have none: z = 8 in the unsigned form); {@code weight_g_idx} I32 {@code [cols]} with act-order.
     */
    static Int4Matrix compressedTensors(Module m, int groupSize, boolean symmetric, boolean actOrder) {
        int rows = m.rows(), cols = m.cols();
        checkGroups(m, groupSize);
        int groups = cols / groupSize;
        Tensor shape = m.require("weight_shape", "the unpacked [out, in] shape", 2);
        Tensors.requireDType(shape, "a shape", DType.I64, DType.I32);
        if (Tensors.integerAt(shape, 0) != rows || Tensors.integerAt(shape, 1) != cols) {
            throw m.problem(shape.name() + " says [" + Tensors.integerAt(shape, 0) + ", " + Tensors.integerAt(shape, 1)
                    + "], the model needs [" + rows + ", " + cols + "]");
        }
        Tensor packed = int32(m, "weight_packed", "the packed 4-bit weights", rows, cols / 8);
        Tensor scale = Tensors.requireFloat(m.require("weight_scale", "the group scales", rows, groups), "a group scale");
        Tensor zero = symmetric ? null : int32(m, "weight_zero_point", "the zero points of an asymmetric scheme",
                (rows + 7) / 8, groups);
        int[] order = actOrder || m.has("weight_g_idx") ? GroupIndex.columnOrder(m, m.require("weight_g_idx",
                "the group of each input column", cols), groupSize) : null;
        int words = cols / 8;
        return Int4Matrix.pack(m.arena(), Int4Matrix.PairType.F32, rows, cols, groupSize, order, (r, q, scales, mins) -> {
            for (int c = 0; c < cols; c++) {
                q[c] = (byte) Tensors.nibble(Tensors.intAt(packed, (long) r * words + c / 8), c % 8);
            }
            for (int g = 0; g < groups; g++) {
                int z = zero == null ? 8 : Tensors.nibble(Tensors.intAt(zero, (long) (r / 8) * groups + g), r % 8);
                setGroup(scale, (long) r * groups + g, z, scales, mins, g);
            }
        });
    }

    /**
     * AutoAWQ GEMM: {@code qweight} I32 {@code [cols, rows/8]} (input-major, the transpose of the HF weight),
     * {@code qzeros} I32 {@code [groups, rows/8]}, both with AWQ's interleaved nibbles; {@code scales [groups, rows]}.
     */
    static Int4Matrix awq(Module m, int groupSize) {
        int rows = m.rows(), cols = m.cols();
        checkGroups(m, groupSize);
        checkPackedRows(m);
        int groups = cols / groupSize;
        int words = rows / 8;
        Tensor qweight = int32(m, "qweight", "the packed 4-bit weights", cols, words);
        Tensor qzeros = int32(m, "qzeros", "the packed zero points", groups, words);
        Tensor scale = Tensors.requireFloat(m.require("scales", "the group scales", groups, rows), "a group scale");
        return Int4Matrix.pack(m.arena(), Int4Matrix.PairType.F32, rows, cols, groupSize, null, (r, q, scales, mins) -> {
            int nibble = AWQ_NIBBLE[r % 8];
            int word = r / 8;
            for (int c = 0; c < cols; c++) {
                q[c] = (byte) Tensors.nibble(Tensors.intAt(qweight, (long) c * words + word), nibble);
            }
            for (int g = 0; g < groups; g++) {
                int z = Tensors.nibble(Tensors.intAt(qzeros, (long) g * words + word), nibble);
                setGroup(scale, (long) g * rows + r, z, scales, mins, g);
            }
        });
    }

    /**
     * GPTQ: {@code qweight} I32 {@code [cols/8, rows]} packed along the input dimension, {@code qzeros} I32
     * {@code [groups, rows/8]} packed along the output, both with sequential nibbles; {@code scales [groups, rows]};
     * {@code g_idx} I32 {@code [cols]}. Format v1 stores each zero point minus one.
     */
    static Int4Matrix gptq(Module m, int groupSize, boolean storesZeroMinusOne, boolean actOrder) {
        int rows = m.rows(), cols = m.cols();
        checkGroups(m, groupSize);
        checkPackedRows(m);
        int groups = cols / groupSize;
        Tensor qweight = int32(m, "qweight", "the packed 4-bit weights", cols / 8, rows);
        Tensor qzeros = int32(m, "qzeros", "the packed zero points", groups, rows / 8);
        Tensor scale = Tensors.requireFloat(m.require("scales", "the group scales", groups, rows), "a group scale");
        int[] order = null;
        if (actOrder || m.has("g_idx")) {
            order = GroupIndex.columnOrder(m, m.require("g_idx", "the group of each input column", cols), groupSize);
        }
        int zeroOffset = storesZeroMinusOne ? 1 : 0;
        return Int4Matrix.pack(m.arena(), Int4Matrix.PairType.F32, rows, cols, groupSize, order, (r, q, scales, mins) -> {
            for (int c = 0; c < cols; c++) {
                q[c] = (byte) Tensors.nibble(Tensors.intAt(qweight, (long) (c / 8) * rows + r), c % 8);
            }
            for (int g = 0; g < groups; g++) {
                int z = Tensors.nibble(Tensors.intAt(qzeros, (long) g * (rows / 8) + r / 8), r % 8) + zeroOffset;
                setGroup(scale, (long) g * rows + r, z, scales, mins, g);
            }
        });
    }

    /** {@code W = (q − z) · s = q · s + (−z · s)}; both products are exact for F16 and BF16 scales, so W is too. */
    private static void setGroup(Tensor scale, long index, int z, float[] scales, float[] mins, int g) {
        float s = Tensors.scaleAt(scale, index);
        scales[g] = s;
        mins[g] = -z * s;
    }

    private static Tensor int32(Module m, String suffix, String role, long... shape) {
        return Tensors.requireDType(m.require(suffix, role, shape), role, DType.I32);
    }

    /** Quantizers refuse partial groups; the repacked layout needs groups of 16 or a multiple of 32. */
    private static void checkGroups(Module m, int groupSize) {
        if (m.cols() % groupSize != 0) {
            throw m.problem(m.cols() + " input columns are not a whole number of groups of " + groupSize);
        }
        if (groupSize != 16 && groupSize % 32 != 0) {
            throw m.problem("group size " + groupSize + " is not supported; Glint reads Int4 groups of 16 or a multiple of 32");
        }
    }

    private static void checkPackedRows(Module m) {
        if (m.rows() % 8 != 0) {
            throw m.problem(m.rows() + " output rows do not fill whole 32-bit words of eight 4-bit values");
        }
    }
}
