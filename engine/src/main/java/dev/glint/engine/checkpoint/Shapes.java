package dev.glint.engine.checkpoint;

import java.util.Arrays;

final class Shapes {

    private Shapes() {
    }

    /** @throws ArithmeticException if the element count does not fit in a long */
    static long numel(long[] shape) {
        // Any zero dimension makes the tensor empty however large the others are.
        for (long dim : shape) {
            if (dim == 0) {
                return 0;
            }
        }
        long n = 1;
        for (long dim : shape) {
            n = Math.multiplyExact(n, dim);
        }
        return n;
    }

    static String format(long[] shape) {
        return Arrays.toString(shape);
    }
}
