package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.kernels.Fp8Matrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * FP8 E4M3 weights {@code X.weight [rows, cols]} read in place, with a scale tensor per output channel
 * ({@code [rows, 1]}) or per {@code blockRows × blockCols} tile ({@code [⌈rows/blockRows⌉, ⌈cols/blockCols⌉]}).
 * F32 scales are used in place too; BF16 or F16 ones are widened once.
 */
final class Fp8Weights {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Fp8Weights() {
    }

    static Fp8Matrix perChannel(Module m, String scaleSuffix) {
        Tensor weight = weight(m);
        Tensor scale = m.require(scaleSuffix, "the per-output-channel scale of " + m.tensorName("weight"));
        long[] shape = scale.shape();
        boolean column = shape.length == 2 && shape[0] == m.rows() && shape[1] == 1;
        if (!column && !(shape.length == 1 && shape[0] == m.rows())) {
            throw m.problem("per-channel scale " + scale.name() + " has shape " + Arrays.toString(shape)
                    + ", expected [" + m.rows() + ", 1]");
        }
        return Fp8Matrix.perChannel(weight.data(), m.rows(), m.cols(), scales(m, scale));
    }

    static Fp8Matrix blocks(Module m, String scaleSuffix, int blockRows, int blockCols) {
        Tensor weight = weight(m);
        long blocksDown = (m.rows() + blockRows - 1) / blockRows;
        long blocksAcross = (m.cols() + blockCols - 1) / blockCols;
        Tensor scale = m.require(scaleSuffix, "the " + blockRows + "x" + blockCols + " block scales of "
                + m.tensorName("weight"), blocksDown, blocksAcross);
        return new Fp8Matrix(weight.data(), m.rows(), m.cols(), scales(m, scale), blockRows, blockCols);
    }

    private static Tensor weight(Module m) {
        Tensor weight = m.require("weight", "the FP8 weight", m.rows(), m.cols());
        return Tensors.requireDType(weight, "a weight that " + m.scheme() + " scales", DType.F8_E4M3);
    }

    private static MemorySegment scales(Module m, Tensor scale) {
        Tensors.requireFloat(scale, "an FP8 scale");
        long count = scale.numel();
        for (long i = 0; i < count; i++) {
            Tensors.scaleAt(scale, i);
        }
        if (scale.dtype() == DType.F32) {
            return scale.data();
        }
        MemorySegment widened = m.arena().allocate(4 * count, 4);
        for (long i = 0; i < count; i++) {
            widened.setAtIndex(F32, i, Tensors.floatAt(scale, i));
        }
        return widened;
    }
}
