package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.checkpoint.TensorSpec;
import dev.glint.kernels.Bf16Matrix;
import dev.glint.kernels.F16Matrix;
import dev.glint.kernels.F32Matrix;
import dev.glint.kernels.WorkerPool;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
                quantized.put(t.name(), quantize(source(t), 0, (int) t.dim(0), plan.formatFor(t.name()).orElseThrow(),
                        arena));
                progress.update(done.addAndGet(t.byteSize()), total);
            }
        });
        return quantized;
    }

    /** The float matrices {@code plan} selects whose width fits their format, in the order of their names. */
    static List<Tensor> selected(Checkpoint checkpoint, QuantizationPlan plan) {
        return checkpoint.names().stream()
                .map(checkpoint::tensor)
                .filter(t -> formatFor(plan, t.name(), t.shape()).isPresent())
                .toList();
    }

    /** The format {@code plan} quantizes {@code name} to: none for a vector, nor for a width its format can't group. */
    static Optional<QuantFormat> formatFor(QuantizationPlan plan, String name, long[] shape) {
        return plan.formatFor(name).filter(format -> shape.length == 2 && format.fits(Math.toIntExact(shape[1])));
    }

    /**
     * Quantizes rows {@code [from, to)} of {@code source}: rows are quantized independently, so the parts of
     * consecutive blocks of rows (of whole 32-row tiles for q4) concatenate into the parts of the whole matrix.
     */
    static Quantized quantize(SourceTensor source, int from, int to, QuantFormat format, Arena arena) {
        FloatRows rows = source.floatRows().slice(from, to);
        try {
            return format.quantize(rows, arena);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(source.describe() + " cannot be quantized to " + format.id() + ": "
                    + e.getMessage() + (from == 0 ? "" : " (counting rows from row " + from + ")"), e);
        }
    }

    /** The tensor {@code t} of a float checkpoint, as {@link GlintCheckpoint} and quantizing at load read it. */
    static SourceTensor source(Tensor t) {
        return new SourceTensor() {
            @Override
            public TensorSpec stored() {
                return new TensorSpec(t.name(), t.dtype(), t.shape(), target -> target.copyFrom(t.data()));
            }

            @Override
            public FloatRows floatRows() {
                int rows = Math.toIntExact(t.dim(0)), cols = Math.toIntExact(t.dim(1));
                return FloatRows.of(switch (t.dtype()) {
                    case BF16 -> new Bf16Matrix(t.data(), rows, cols);
                    case F16 -> new F16Matrix(t.data(), rows, cols);
                    case F32 -> new F32Matrix(t.data(), rows, cols);
                    default -> throw new CheckpointException(describe() + " is " + t.dtype()
                            + "; Glint quantizes BF16, F16 and F32 weights");
                });
            }

            @Override
            public String describe() {
                return "tensor " + t.name() + " in " + t.file();
            }
        };
    }
}
