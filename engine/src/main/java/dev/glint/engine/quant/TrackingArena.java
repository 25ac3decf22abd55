package dev.glint.engine.quant;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An arena that hands out memory of {@code backing} and keeps a list of it: the bytes a reader allocates count as
 * resident weights, and {@link dev.glint.kernels.Int4Matrix#pack} allocates its layout itself while a glint checkpoint
 * stores that layout's bytes. Safe to use from several threads.
 */
final class TrackingArena implements Arena {
    private final Arena backing;
    private final List<MemorySegment> segments = new ArrayList<>();

    TrackingArena(Arena backing) {
        this.backing = backing;
    }

    @Override
    public synchronized MemorySegment allocate(long byteSize, long byteAlignment) {
        MemorySegment segment = backing.allocate(byteSize, byteAlignment);
        segments.add(segment);
        return segment;
    }

    synchronized List<MemorySegment> segments() {
        return List.copyOf(segments);
    }

    synchronized long bytes() {
        return segments.stream().mapToLong(MemorySegment::byteSize).sum();
    }

    @Override
    public MemorySegment.Scope scope() {
        return backing.scope();
    }

    /** Closes the backing arena, freeing everything handed out. */
    @Override
    public void close() {
        backing.close();
    }
}
