package dev.glint.engine.quant;

import dev.glint.kernels.Matrix;

/**
 * A float matrix read a row at a time, widened to float: the quantizers' input, whether the rows are read from a
 * checkpoint's tensor or generated as they are asked for. Rows are read from several threads at once.
 */
public interface FloatRows {
    int rows();

    int cols();

    /** Writes row {@code r} into {@code dst[0, cols)}. */
    void loadRow(int r, float[] dst);

    /** Rows {@code [from, to)}, the first of them row 0. */
    default FloatRows slice(int from, int to) {
        FloatRows whole = this;
        if (from == 0 && to == rows()) {
            return whole;
        }
        return new FloatRows() {
            @Override
            public int rows() {
                return to - from;
            }

            @Override
            public int cols() {
                return whole.cols();
            }

            @Override
            public void loadRow(int r, float[] dst) {
                whole.loadRow(from + r, dst);
            }
        };
    }

    /** The rows of a matrix read in place. */
    static FloatRows of(Matrix matrix) {
        return new FloatRows() {
            @Override
            public int rows() {
                return matrix.rows();
            }

            @Override
            public int cols() {
                return matrix.cols();
            }

            @Override
            public void loadRow(int r, float[] dst) {
                matrix.loadRow(r, dst);
            }
        };
    }
}
