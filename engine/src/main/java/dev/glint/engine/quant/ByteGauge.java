package dev.glint.engine.quant;

/** Bytes held now and the most ever held at once, by several arenas that allocate and free. Thread-safe. */
final class ByteGauge {
    private long held;
    private long peak;

    synchronized void add(long bytes) {
        held += bytes;
        peak = Math.max(peak, held);
    }

    synchronized void release(long bytes) {
        held -= bytes;
    }

    synchronized long peak() {
        return peak;
    }
}
