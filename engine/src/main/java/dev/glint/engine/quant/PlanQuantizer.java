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
        List<Tensor> selected = checkpoint.names().stream()
                .filter(name -> plan.formatFor(name).isPresent())
                .map(checkpoint::tensor)
                .filter(t -> t.rank() == 2 && plan.formatFor(t.name()).orElseThrow().fits((int) t.dim(1)))
                .toList();
        long total = selected.stream().mapToLong(Tensor::byteSize).sum();
        AtomicLong done = new AtomicLong();
        Map<String, Quantized> quantized = new ConcurrentHashMap<>();
        progress.update(0, total);
        pool.forRange(selected.size(), 1, (from, to) -> {
            for (Tensor t : selected.subList(from, to)) {
                quantized.put(t.name(), quantize(t, plan.formatFor(t.name()).orElseThrow(), arena));
                progress.update(done.addAndGet(t.byteSize()), total);
            }
        });
        return quantized;
    }

    private static Quantized quantize(Tensor t, QuantFormat format, Arena arena) {
        try {
            return format.quantize(floatMatrix(t), arena);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("tensor " + t.name() + " in " + t.file() + " cannot be quantized to "
                    + format.id() + ": " + e.getMessage(), e);
        }
    }

    private static Matrix floatMatrix(Tensor t) {
        int rows = Math.toIntExact(t.dim(0)), cols = Math.toIntExact(t.dim(1));
        return switch (t.dtype()) {
            case BF16 -> new Bf16Matrix(t.data(), rows, cols);
            case F16 -> new F16Matrix(t.data(), rows, cols);
            case F32 -> new F32Matrix(t.data(), rows, cols);
            default -> throw new CheckpointException("tensor " + t.name() + " in " + t.file() + " is " + t.dtype()
                    + "; Glint quantizes BF16, F16 and F32 weights");
        };
    }
}
