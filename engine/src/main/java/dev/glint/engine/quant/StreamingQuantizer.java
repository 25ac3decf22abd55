package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.TensorSpec;
import dev.glint.kernels.Int4TileMatrix;
import dev.glint.kernels.WorkerPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Quantizes matrices as a checkpoint is written rather than before: the tensors a matrix is stored as are laid out
 * from its shape ({@link QuantFormat#layout}), and the fill of the first of them to be written quantizes the matrix,
 * its rows split across the worker pool; the last one frees it. Written in order, a checkpoint then holds one
 * quantized matrix at a time, whatever its size.
 */
final class StreamingQuantizer implements AutoCloseable {
    /** Rows quantized by one task: whole tiles of q4's tiled layout, so that blocks concatenate. */
    private static final int BLOCK_ROWS = Int4TileMatrix.TILE_ROWS;

    private final WorkerPool pool;
    private final QuantizationProgress progress;
    private final long totalBytes;
    private final ByteGauge held = new ByteGauge();
    /** The matrices quantized and not yet written out: one, unless a write failed between a matrix's tensors. */
    private final Set<InFlight> holding = new HashSet<>();
    private long doneBytes;

    /** Reports to {@code progress} the bytes of source weights quantized, of {@code totalBytes}. */
    StreamingQuantizer(WorkerPool pool, QuantizationProgress progress, long totalBytes) {
        this.pool = pool;
        this.progress = progress;
        this.totalBytes = totalBytes;
        progress.update(0, totalBytes);
    }

    /**
     * The tensors {@code X.suffix} that store {@code source} ({@code X.weight}) in {@code format}; they must be written
     * one after the other, in this order.
     */
    List<TensorSpec> tensors(SourceTensor source, QuantFormat format) {
        TensorSpec stored = source.stored();
        String module = stored.name().substring(0, stored.name().length() - ".weight".length());
        long[] shape = stored.shape();
        List<Quantized.Layout> layouts = format.layout(Math.toIntExact(shape[0]), Math.toIntExact(shape[1]));
        InFlight matrix = new InFlight(source, format, layouts.size());
        List<TensorSpec> tensors = new ArrayList<>();
        for (int i = 0; i < layouts.size(); i++) {
            Quantized.Layout layout = layouts.get(i);
            int part = i;
            tensors.add(new TensorSpec(module + "." + layout.suffix(), layout.dtype(), layout.shape(),
                    target -> matrix.write(part, target)));
        }
        return tensors;
    }

    /** The most bytes of quantized weights held at once so far. */
    long peakHeldBytes() {
        return held.peak();
    }

    /** Frees the matrices a failed write left quantized. */
    @Override
    public void close() {
        List.copyOf(holding).forEach(InFlight::free);
    }

    /** One matrix, quantized while the first of its tensors is written and held until the last is. */
    private final class InFlight {
        private final SourceTensor source;
        private final QuantFormat format;
        private final int parts;
        private TrackingArena arena;
        private List<Quantized> blocks;
        private int written;

        InFlight(SourceTensor source, QuantFormat format, int parts) {
            this.source = source;
            this.format = format;
            this.parts = parts;
        }

        void write(int part, MemorySegment target) {
            if (blocks == null) {
                quantize();
            }
            try {
                long at = 0;
                for (Quantized block : blocks) {
                    MemorySegment data = block.parts().get(part).data();
                    MemorySegment.copy(data, 0, target, at, data.byteSize());
                    at += data.byteSize();
                }
                if (at != target.byteSize()) {
                    throw new IllegalStateException(source.describe() + " part " + part + " is laid out as "
                            + target.byteSize() + " bytes, but quantizing it made " + at);
                }
            } catch (RuntimeException e) {
                free();
                throw e;
            }
            if (++written == parts) {
                free();
            }
        }

        private void quantize() {
            TensorSpec stored = source.stored();
            int rows = Math.toIntExact(stored.shape()[0]);
            Map<Integer, Quantized> byFirstRow = new ConcurrentSkipListMap<>();
            arena = new TrackingArena(Arena.ofShared(), held);
            holding.add(this);
            try {
                pool.forRange(Math.ceilDiv(rows, BLOCK_ROWS), 1, (from, to) -> {
                    int first = from * BLOCK_ROWS, end = Math.min(rows, to * BLOCK_ROWS);
                    byFirstRow.put(first, PlanQuantizer.quantize(source, first, end, format, arena));
                });
            } catch (RuntimeException e) {
                free();
                // The pool wraps what a task throws; a weight that cannot be quantized is reported as itself.
                throw e.getCause() instanceof CheckpointException refused ? refused : e;
            }
            blocks = List.copyOf(byFirstRow.values());
            doneBytes += stored.byteSize();
            progress.update(doneBytes, totalBytes);
        }

        private void free() {
            arena.close();
            blocks = null;
            holding.remove(this);
        }
    }
}
