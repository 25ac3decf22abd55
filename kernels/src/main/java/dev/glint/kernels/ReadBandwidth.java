package dev.glint.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.DoubleAdder;

import static dev.glint.kernels.Vectors.F32;

/**
 * The machine's memory read bandwidth as the kernels see it: a vector sum over a buffer far larger than the caches,
 * split across a worker pool as the matrix products are, best of several passes. Decode streams its weights in the
 * same way, so tokens/s × bytes per token ÷ this figure is how close a run came to the memory bound.
 */
public final class ReadBandwidth {
    /** Floats per chunk of the buffer handed to a thread. */
    private static final int CHUNK = 1 << 16;
    /** Where the sums go, so that they are not optimized away. */
    private static volatile double consumed;

    private ReadBandwidth() {
    }

    /** Bytes per second read by {@code pool}'s threads over {@code bytes} of memory, best of {@code passes}. */
    public static double measure(WorkerPool pool, long bytes, int passes) {
        long chunkBytes = 4L * CHUNK;
        int chunks = (int) Math.max(1, bytes / chunkBytes);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(chunks * chunkBytes, 64);
            buffer.fill((byte) 1);
            DoubleAdder sink = new DoubleAdder();
            double best = 0;
            for (int pass = 0; pass < passes; pass++) {
                long start = System.nanoTime();
                pool.forRange(chunks, 1, (from, to) -> sink.add(sum(buffer, from * chunkBytes, to * chunkBytes)));
                best = Math.max(best, chunks * chunkBytes / ((System.nanoTime() - start) / 1e9));
            }
            consumed = sink.sum();
            return best;
        }
    }

    private static double sum(MemorySegment buffer, long from, long to) {
        FloatVector a = FloatVector.zero(F32), b = FloatVector.zero(F32);
        long step = F32.vectorByteSize();
        for (long at = from; at < to; at += 2 * step) {
            a = a.add(FloatVector.fromMemorySegment(F32, buffer, at, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F32, buffer, at + step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).reduceLanes(VectorOperators.ADD);
    }
}
