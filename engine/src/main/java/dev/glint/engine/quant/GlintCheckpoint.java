package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.Manifest;
import dev.glint.engine.checkpoint.SafetensorsWriter;
import dev.glint.engine.checkpoint.TensorSpec;
import dev.glint.kernels.WorkerPool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a glint checkpoint: a float checkpoint, read from a folder or generated ({@code glint synth}), with the
 * matrices a plan selects quantized, each stored as the bytes its kernel reads ({@link QuantFormat}), every other
 * tensor written as it was, and {@code config.json}'s {@code quantization_config} saying which kinds of matrices are in
 * which format ({@link GlintQuantization}).
 */
public final class GlintCheckpoint {
    /** Hugging Face's default largest shard, in bytes of tensors. */
    public static final long DEFAULT_SHARD_BYTES = 5L << 30;
    private static final String CONFIG = "config.json";

    private GlintCheckpoint() {
    }

    /**
     * What a write made.
     *
     * @param tensorBytes    the bytes of tensors written
     * @param files          the safetensors files written and, when there are several, their index last
     * @param peakHeldBytes  the most bytes of quantized weights held in memory at once
     */
    public record Written(long tensorBytes, List<String> files, long peakHeldBytes) {
    }

    /**
     * Quantizes the float checkpoint {@code in} into the new folder {@code out}, as
     * {@link #write(FloatCheckpoint, Path, QuantizationPlan, long, int, QuantizationProgress)} does; the tokenizer,
     * chat template, generation config and every other file of the folder are copied along.
     */
    public static Written write(Path in, Path out, QuantizationPlan plan, long shardBytes, int threads,
                                QuantizationProgress progress) throws IOException {
        if (plan.isEmpty()) {
            throw new IllegalArgumentException("the quantization plan selects no tensors");
        }
        try (Checkpoint checkpoint = Checkpoint.open(in)) {
            MatrixReader.requireUnquantized(checkpoint);
            ObjectNode config = (ObjectNode) new ObjectMapper().readTree(in.resolve(CONFIG).toFile());
            List<SourceTensor> tensors = checkpoint.names().stream()
                    .map(name -> PlanQuantizer.source(checkpoint.tensor(name))).toList();
            FloatCheckpoint source = new FloatCheckpoint(config, tensors, Map.of("format", "pt"),
                    folder -> copyOtherFiles(in, folder));
            return write(source, out, plan, shardBytes, threads, progress);
        }
    }

    /**
     * Writes {@code source} into the new folder {@code out} on {@code threads} threads, the matrices {@code plan}
     * selects quantized, in shards of at most {@code shardBytes} bytes of tensors
     * ({@link SafetensorsWriter#writeShards}). Each matrix is quantized as it is written and freed right after, so
     * memory holds one quantized matrix at a time. Everything is written into a hidden sibling folder, the
     * {@code sha256sums} manifest last, and renamed to {@code out} at the end: a run killed before leaves nothing at
     * {@code out}.
     */
    public static Written write(FloatCheckpoint source, Path out, QuantizationPlan plan, long shardBytes, int threads,
                                QuantizationProgress progress) throws IOException {
        requireEmpty(out);
        Path partial = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".partial");
        deleteTree(partial); // left by a run that was killed
        try (WorkerPool pool = new WorkerPool(threads)) {
            ObjectNode config = source.config().deepCopy();
            if (!plan.isEmpty()) {
                config.set("quantization_config", GlintQuantization.config(plan));
            }
            long sourceBytes = source.tensors().stream().map(SourceTensor::stored)
                    .filter(t -> PlanQuantizer.formatFor(plan, t.name(), t.shape()).isPresent())
                    .mapToLong(TensorSpec::byteSize).sum();
            Files.createDirectories(partial);
            source.otherFiles().writeInto(partial);
            Files.writeString(partial.resolve(CONFIG),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
            try (StreamingQuantizer quantizer = new StreamingQuantizer(pool, progress, sourceBytes)) {
                List<TensorSpec> tensors = tensors(source.tensors(), plan, quantizer);
                List<String> files = SafetensorsWriter.writeShards(partial, tensors, shardBytes, source.metadata());
                writeManifest(partial);
                Files.deleteIfExists(out);
                Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
                return new Written(tensors.stream().mapToLong(TensorSpec::byteSize).sum(), files,
                        quantizer.peakHeldBytes());
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteTree(partial);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * The sha256 of every file written, shards and index included, last: {@code glint verify} proves a copy intact
     * with it.
     */
    private static void writeManifest(Path out) throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            List<String> names = files.map(file -> file.getFileName().toString()).sorted().toList();
            Manifest.of(out, names).write(out.resolve(Manifest.FILE_NAME));
        }
    }

    private static void requireEmpty(Path out) throws IOException {
        if (Files.exists(out)) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(out + " is not empty; a checkpoint is written into a new "
                            + "folder");
                }
            }
        }
    }

    /** The tensors to write: a quantized matrix's tensors one after the other, in place of the matrix. */
    private static List<TensorSpec> tensors(List<SourceTensor> sources, QuantizationPlan plan,
                                            StreamingQuantizer quantizer) {
        List<TensorSpec> tensors = new ArrayList<>();
        for (SourceTensor source : sources) {
            TensorSpec stored = source.stored();
            PlanQuantizer.formatFor(plan, stored.name(), stored.shape()).ifPresentOrElse(
                    format -> tensors.addAll(quantizer.tensors(source, format)), () -> tensors.add(stored));
        }
        return tensors;
    }

    private static void deleteTree(Path folder) throws IOException {
        if (Files.exists(folder)) {
            try (Stream<Path> paths = Files.walk(folder)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /** Everything but the weights and config.json: tokenizer, chat template, generation config, model card. */
    private static void copyOtherFiles(Path in, Path out) throws IOException {
        try (Stream<Path> files = Files.list(in)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (!name.equals(CONFIG) && !name.endsWith(".safetensors") && !name.equals(Checkpoint.INDEX_FILE)
                        && !name.equals(Manifest.FILE_NAME)) {
                    Files.copy(file, out.resolve(name));
                }
            }
        }
    }
}
