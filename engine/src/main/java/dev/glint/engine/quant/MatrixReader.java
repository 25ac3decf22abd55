package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.kernels.Bf16Matrix;
import dev.glint.kernels.F16Matrix;
import dev.glint.kernels.F32Matrix;
import dev.glint.kernels.Matrix;
import dev.glint.kernels.WorkerPool;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a checkpoint's weight matrices as its {@code config.json} {@code quantization_config} says they are stored:
 * FP8 in place, Int4 repacked into memory this reader owns, unquantized BF16/F16/F32 in place — or, given a
 * {@link QuantizationPlan}, quantizes a float checkpoint's matrices into that memory as it opens. Closing it frees the
 * memory; matrices read from it must not be used afterwards.
 */
public final class MatrixReader implements AutoCloseable {
    private static final String WEIGHT = ".weight";

    private final Checkpoint checkpoint;
    private final QuantizationScheme scheme;
    /** Shared, because the kernels read weights from many worker threads. */
    private final TrackingArena arena;
    private final Map<String, Quantized> quantized;

    private MatrixReader(Checkpoint checkpoint, QuantizationScheme scheme, TrackingArena arena,
                         Map<String, Quantized> quantized) {
        this.checkpoint = checkpoint;
        this.scheme = scheme;
        this.arena = arena;
        this.quantized = Map.copyOf(quantized);
    }

    /** @throws CheckpointException if the checkpoint's quantization scheme is unknown or malformed */
    public static MatrixReader open(Checkpoint checkpoint) {
        return open(checkpoint, QuantizationPlan.NONE, null, QuantizationProgress.NONE);
    }

    /**
     * Opens {@code checkpoint}, first quantizing the float matrices {@code plan} selects on {@code pool}'s threads.
     *
     * @throws CheckpointException if the checkpoint's quantization scheme is unknown or malformed, or if a plan is
     *                             given for a checkpoint that is already quantized
     */
    public static MatrixReader open(Checkpoint checkpoint, QuantizationPlan plan, WorkerPool pool,
                                    QuantizationProgress progress) {
        QuantizationScheme scheme = scheme(checkpoint);
        if (!plan.isEmpty()) {
            requireUnquantized(checkpoint, scheme);
        }
        TrackingArena arena = new TrackingArena(Arena.ofShared());
        try {
            Map<String, Quantized> quantized = plan.isEmpty() ? Map.of()
                    : PlanQuantizer.quantize(checkpoint, plan, arena, pool, progress);
            return new MatrixReader(checkpoint, scheme, arena, quantized);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** @throws CheckpointException if {@code checkpoint} is not a float checkpoint, which a plan could quantize */
    static void requireUnquantized(Checkpoint checkpoint) {
        requireUnquantized(checkpoint, scheme(checkpoint));
    }

    private static void requireUnquantized(Checkpoint checkpoint, QuantizationScheme scheme) {
        if (!(scheme instanceof NoQuantization)) {
            throw new CheckpointException("checkpoint " + checkpoint.directory() + " is already quantized ("
                    + scheme.describe() + "); Glint quantizes BF16, F16 and F32 checkpoints");
        }
    }

    private static QuantizationScheme scheme(Checkpoint checkpoint) {
        Path config = checkpoint.directory().resolve("config.json");
        JsonNode root = null;
        if (Files.isRegularFile(config)) {
            try {
                root = new ObjectMapper().readTree(config.toFile());
            } catch (IOException e) {
                throw new CheckpointException(config + " cannot be read: " + e.getMessage(), e);
            }
        }
        JsonNode quantization = root == null ? null : root.get("quantization_config");
        return QuantizationScheme.parse(quantization, config + " quantization_config");
    }

    /** The matrix {@code name} ({@code X.weight}), {@code rows × cols} in Hugging Face's {@code [out, in]} orientation. */
    public Matrix read(String name, int rows, int cols) {
        Quantized q = quantized.get(name);
        if (q != null) {
            checkpoint.tensor(name, rows, cols);
            return q.matrix();
        }
        if (name.endsWith(WEIGHT)) {
            String module = name.substring(0, name.length() - WEIGHT.length());
            List<String> markers = scheme.markers().stream().filter(s -> checkpoint.contains(module + "." + s)).toList();
            String exclusion = scheme.exclusion(module);
            if (!markers.isEmpty() && exclusion == null) {
                return scheme.read(new Module(checkpoint, module, rows, cols, arena, scheme.describe()));
            }
            String required = scheme.requiredQuantization(module, cols);
            if (markers.isEmpty() && required != null) {
                throw new CheckpointException(module + " is stored quantized by " + required + ", but checkpoint "
                        + checkpoint.directory() + " has no " + names(module, scheme.markers(), " or "));
            }
            if (!markers.isEmpty() && !checkpoint.contains(name)) {
                throw new CheckpointException(module + " is kept unquantized by " + exclusion + ", but checkpoint "
                        + checkpoint.directory() + " holds " + names(module, markers, " and ") + " and no " + name);
            }
            return plain(checkpoint.tensor(name, rows, cols), rows, cols, module, exclusion);
        }
        return plain(checkpoint.tensor(name, rows, cols), rows, cols, name, null);
    }

    private Matrix plain(Tensor t, int rows, int cols, String module, String exclusion) {
        return switch (t.dtype()) {
            case BF16 -> new Bf16Matrix(t.data(), rows, cols);
            case F16 -> new F16Matrix(t.data(), rows, cols);
            case F32 -> new F32Matrix(t.data(), rows, cols);
            case F8_E4M3 -> throw new CheckpointException("tensor " + t.name() + " in " + t.file()
                    + " is F8_E4M3 but has no scale: " + whyUnscaled(module, exclusion));
            default -> throw new CheckpointException("tensor " + t.name() + " in " + t.file() + " is " + t.dtype()
                    + "; Glint reads BF16, F16 and F32 matrices, and quantized ones as config.json's"
                    + " quantization_config describes (" + scheme.describe() + ")");
        };
    }

    private String whyUnscaled(String module, String exclusion) {
        if (exclusion != null) {
            return "it is kept unquantized by " + exclusion;
        }
        if (scheme.markers().isEmpty()) {
            return "config.json has " + scheme.describe();
        }
        return "the checkpoint has no " + names(module, scheme.markers(), " or ") + " beside it (" + scheme.describe() + ")";
    }

    private static String names(String module, List<String> suffixes, String conjunction) {
        return suffixes.stream().map(s -> module + "." + s).collect(Collectors.joining(conjunction));
    }

    /** The matrices quantized as the reader opened, by tensor name. */
    Map<String, Quantized> quantized() {
        return quantized;
    }

    /**
     * Bytes of weights held for the forward pass: the mapped files, less the float tensors quantized at load (no
     * longer read), plus the memory this reader allocated (quantized, repacked or widened weights).
     */
    public long residentBytes() {
        long replaced = quantized.keySet().stream().mapToLong(name -> checkpoint.tensor(name).byteSize()).sum();
        return checkpoint.bytesMapped() - replaced + arena.bytes();
    }

    /** Bytes this reader allocated for weights; zero when every matrix is read in place from the mapped files. */
    public long allocatedBytes() {
        return arena.bytes();
    }

    /** Frees the repacked weights. */
    @Override
    public void close() {
        arena.close();
    }
}
