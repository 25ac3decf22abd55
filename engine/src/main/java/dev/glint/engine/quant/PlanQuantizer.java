package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.kernels.Bf16Matrix;
import dev.glint.kernels.F16Matrix;
import dev.glint.kernels.F32Matrix;
import dev.glint.kernels.Matrix;
import dev.glint.kernels.WorkerPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Quantizes the float matrices of a checkpoint that a plan selects, one matrix per task across the worker pool. */
final class PlanQuantizer {

    private PlanQuantizer() {
    }

    /** The matrices {@code plan} selects, by tensor name. */
    static Map<String, Quantized> quantize(Checkpoint checkpoint, QuantizationPlan plan, Arena arena, WorkerPool pool,
                                           QuantizationProgress progress) {
        List<Tensor> selected = selected(checkpoint, plan);
        long total = selected.stream().mapToLong(Tensor::byteSize).sum();
        AtomicLong done = new AtomicLong();
        Map<String, Quantized> quantized = new ConcurrentHashMap<>();
        progress.update(0, total);
        pool.forRange(selected.size(), 1, (from, to) -> {
            for (Tensor t : selected.subList(from, to)) {
                quantized.put(t.name(), quantize(t, 0, (int) t.dim(0), plan.formatFor(t.name()).orElseThrow(), arena));
                progress.update(done.addAndGet(t.byteSize()), total);
            }
        });
        return quantized;
    }

    /** The float matrices {@code plan} selects whose width fits their format, in the order of their names. */
    static List<Tensor> selected(Checkpoint checkpoint, QuantizationPlan plan) {
        return checkpoint.names().stream()
                .filter(name -> plan.formatFor(name).isPresent())
                .map(checkpoint::tensor)
                .filter(t -> t.rank() == 2 && plan.formatFor(t.name()).orElseThrow().fits((int) t.dim(1)))
                .toList();
    }

    /**
     * Quantizes rows {@code [from, to)} of {@code t}: rows are quantized independently, so the parts of consecutive
     * blocks of rows (of whole 32-row tiles for q4) concatenate into the parts of the whole matrix.
     */
    static Quantized quantize(Tensor t, int from, int to, QuantFormat format, Arena arena) {
        try {
            return format.quantize(floatRows(t, from, to), arena);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("tensor " + t.name() + " in " + t.file() + " cannot be quantized to "
                    + format.id() + ": " + e.getMessage() + (from == 0 ? "" : " (counting rows from row " + from + ")"), e);
        }
    }

    private static Matrix floatRows(Tensor t, int from, int to) {
        int cols = Math.toIntExact(t.dim(1));
        long rowBytes = t.dtype().byteSize(cols);
        MemorySegment data = t.data().asSlice(from * rowBytes, (to - from) * rowBytes);
        int rows = to - from;
        return switch (t.dtype()) {
            case BF16 -> new Bf16Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case F32 -> new F32Matrix(data, rows, cols);
            default -> throw new CheckpointException("tensor " + t.name() + " in " + t.file() + " is " + t.dtype()
                    + "; Glint quantizes BF16, F16 and F32 weights");
        };
    }
}
