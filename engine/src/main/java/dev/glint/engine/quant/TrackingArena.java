package dev.glint.engine.quant;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An arena that hands out memory of {@code backing} and counts it: the bytes a reader allocates (quantized, repacked
 * or widened weights) count as resident weights, and a writer's arenas, one per matrix, add up on a shared
 * {@link ByteGauge}. Safe to use from several threads.
 */
final class TrackingArena implements Arena {
    private final Arena backing;
    private final ByteGauge gauge;
    private long bytes;

    TrackingArena(Arena backing) {
        this(backing, new ByteGauge());
    }

    TrackingArena(Arena backing, ByteGauge gauge) {
        this.backing = backing;
        this.gauge = gauge;
    }

    @Override
    public synchronized MemorySegment allocate(long byteSize, long byteAlignment) {
        MemorySegment segment = backing.allocate(byteSize, byteAlignment);
        bytes += byteSize;
        gauge.add(byteSize);
        return segment;
    }

    synchronized long bytes() {
        return bytes;
    }

    @Override
    public MemorySegment.Scope scope() {
        return backing.scope();
    }

    /** Closes the backing arena, freeing everything handed out. */
    @Override
    public synchronized void close() {
        backing.close();
        gauge.release(bytes);
    }
}
