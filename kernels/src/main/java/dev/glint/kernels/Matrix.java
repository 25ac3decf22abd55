package dev.glint.kernels;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A weight matrix {@code W[rows][cols]} read in place, used as {@code y = x · Wᵀ}. Each format widens its rows to
 * float; the SIMD kernels have scalar twins that tests hold them to.
 */
public sealed interface Matrix permits Bf16Matrix, F16Matrix, F32Matrix, Fp8Matrix, Int4Matrix, Int4TileMatrix, Int8Matrix {

    int rows();

    int cols();

    /** {@code out[r] = W[r] · x} for rows {@code [from, to)}. */
    void matVec(float[] x, float[] out, int from, int to);

    void matVecScalar(float[] x, float[] out, int from, int to);

    /** Writes row {@code r} widened to float into {@code dst[0, cols)}. */
    void loadRow(int r, float[] dst);

    void loadRowScalar(int r, float[] dst);

    /** The memory the products read: where the weights lie, for telling the operating system what to keep or fetch. */
    List<MemorySegment> memory();

    /**
     * Batched product for rows {@code [from, to)}: {@code out[t][r] = W[r] · x[t]} for {@code n} tokens, {@code x}
     * row-major {@code [n][cols]}, {@code out} row-major {@code [n][rows]}. Each weight row is widened once and
     * reused for every token, four rows against three tokens at a time.
     */
    default void matMul(float[] x, int n, float[] out, int from, int to) {
        int cols = cols();
        float[] tile = new float[Dots.TILE_ROWS * cols];
        float[] row = new float[cols];
        int r = from;
        for (; r + Dots.TILE_ROWS <= to; r += Dots.TILE_ROWS) {
            for (int i = 0; i < Dots.TILE_ROWS; i++) {
                loadRow(r + i, row);
                System.arraycopy(row, 0, tile, i * cols, cols);
            }
            Dots.dotTile(tile, x, n, cols, out, rows(), r);
        }
        for (; r < to; r++) {
            loadRow(r, row);
            Dots.dotMany(row, 0, x, n, cols, out, rows(), r);
        }
    }

    default void matMulScalar(float[] x, int n, float[] out, int from, int to) {
        float[] row = new float[cols()];
        for (int r = from; r < to; r++) {
            loadRowScalar(r, row);
            Dots.dotManyScalar(row, 0, x, n, cols(), out, rows(), r);
        }
    }
}
