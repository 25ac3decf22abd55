package dev.glint.engine.quant;

/** Told after each matrix is quantized; called from worker threads, so an implementation must be thread-safe. */
@FunctionalInterface
public interface QuantizationProgress {
    QuantizationProgress NONE = (done, total) -> { };

    /** {@code done} of {@code total} bytes of source weights are quantized. */
    void update(long done, long total);
}
