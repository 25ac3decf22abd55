package dev.glint.kernels;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several independent matrix products run as one parallel job, their rows split across the pool together: fusing
 * q/k/v, or the gate and up projections of all chosen experts, into one job saves a hand-off per matrix, which for
 * decode's small matrices costs as much as the work.
 */
public final class MatrixProducts {

    /** {@code out = x · Wᵀ} for {@code n} tokens ({@code x} is {@code [n][cols]}, {@code out} is {@code [n][rows]}). */
    public record Product(Matrix w, float[] x, int n, float[] out) {
        public Product {
            if (x.length < n * w.cols() || out.length < n * w.rows()) {
                throw new IllegalArgumentException("product of " + w.rows() + "x" + w.cols() + " with " + n
                        + " tokens needs x of " + n * w.cols() + " and out of " + n * w.rows() + " floats, got "
                        + x.length + " and " + out.length);
            }
        }

        public static Product of(Matrix w, float[] x, int n) {
            return new Product(w, x, n, new float[n * w.rows()]);
        }

        void rows(Int8Activations quantized, int from, int to) {
            if (quantized != null) {
                ((Int4TileMatrix) w).matMul(quantized, out, from, to);
            } else if (n == 1) {
                w.matVec(x, out, from, to);
            } else {
                w.matMul(x, n, out, from, to);
            }
        }
    }

    /**
     * What the products multiply the weights by: the activations as they are, or, for matrices with an integer
     * kernel, the activations quantized to {@link Int8Activations} once per distinct input (the fast path, which
     * moves each product by about what llama.cpp's Q8 activations do).
     */
    public enum Activations {
        FLOAT, INT8
    }

    /** Below this many multiply-adds a chunk costs more to hand to another thread than to compute. */
    private static final long MIN_WORK_PER_CHUNK = 32_768;

    private MatrixProducts() {
    }

    public static void run(WorkerPool pool, List<Product> products, Activations activations) {
        int count = products.size();
        Int8Activations[] quantized = new Int8Activations[count];
        if (activations == Activations.INT8) {
            Map<float[], Int8Activations> byInput = new IdentityHashMap<>();
            for (int j = 0; j < count; j++) {
                Product p = products.get(j);
                if (p.w() instanceof Int4TileMatrix) {
                    quantized[j] = byInput.computeIfAbsent(p.x(), x -> Int8Activations.quantize(x, p.n(), p.w().cols()));
                }
            }
        }
        int[] firstRow = new int[count + 1];
        long work = 0;
        for (int j = 0; j < count; j++) {
            Product p = products.get(j);
            firstRow[j + 1] = firstRow[j] + p.w().rows();
            work += (long) p.w().rows() * p.w().cols() * p.n();
        }
        int totalRows = firstRow[count];
        if (totalRows == 0) {
            return;
        }
        long workPerRow = Math.max(1, work / totalRows);
        // chunks of whole Int4TileMatrix tiles: every matrix's rows are a multiple of them in practice, so no chunk
        // cuts one (a cut tile is still computed right, in scratch space)
        int unit = Int4TileMatrix.TILE_ROWS;
        int grain = (int) Math.max(1, MIN_WORK_PER_CHUNK / workPerRow / unit);
        pool.forRange((totalRows + unit - 1) / unit, grain, (fromUnit, toUnit) -> {
            int from = fromUnit * unit, to = Math.min(totalRows, toUnit * unit);
            for (int j = 0; j < count && firstRow[j] < to; j++) {
                int start = Math.max(from, firstRow[j]);
                int end = Math.min(to, firstRow[j + 1]);
                if (start < end) {
                    products.get(j).rows(quantized[j], start - firstRow[j], end - firstRow[j]);
                }
            }
        });
    }
}
