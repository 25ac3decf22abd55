package dev.glint.kernels;

import java.util.List;

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

        void rows(int from, int to) {
            if (n == 1) {
                w.matVec(x, out, from, to);
            } else {
                w.matMul(x, n, out, from, to);
            }
        }
    }

    /** Below this many multiply-adds a chunk costs more to hand to another thread than to compute. */
    private static final long MIN_WORK_PER_CHUNK = 32_768;

    private MatrixProducts() {
    }

    public static void run(WorkerPool pool, List<Product> products) {
        int count = products.size();
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
        int grain = (int) Math.max(1, MIN_WORK_PER_CHUNK / workPerRow);
        pool.forRange(totalRows, grain, (from, to) -> {
            for (int j = 0; j < count && firstRow[j] < to; j++) {
                int start = Math.max(from, firstRow[j]);
                int end = Math.min(to, firstRow[j + 1]);
                if (start < end) {
                    products.get(j).rows(start - firstRow[j], end - firstRow[j]);
                }
            }
        });
    }
}
