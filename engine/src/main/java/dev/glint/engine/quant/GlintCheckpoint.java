package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.Manifest;
import dev.glint.engine.checkpoint.SafetensorsWriter;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.checkpoint.TensorSpec;
import dev.glint.kernels.WorkerPool;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Writes a glint checkpoint: a float checkpoint with the matrices a plan selects quantized, each stored as the bytes
 * its kernel reads ({@link QuantFormat}), every other tensor copied as it was, and {@code config.json}'s
 * {@code quantization_config} saying which kinds of matrices are in which format ({@link GlintQuantization}). The
 * tokenizer, chat template, generation config and every other file of the folder are copied along.
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
     * Quantizes {@code in} into the new folder {@code out} on {@code threads} threads, in shards of at most
     * {@code shardBytes} bytes of tensors ({@link SafetensorsWriter#writeShards}). Each matrix is quantized as it is
     * written and freed right after, so memory holds one quantized matrix at a time. Everything is written into a
     * hidden sibling folder, the {@code sha256sums} manifest last, and renamed to {@code out} at the end: a run killed
     * before leaves nothing at {@code out}.
     */
    public static Written write(Path in, Path out, QuantizationPlan plan, long shardBytes, int threads,
                                QuantizationProgress progress) throws IOException {
        if (plan.isEmpty()) {
            throw new IllegalArgumentException("the quantization plan selects no tensors");
        }
        requireEmpty(out);
        Path partial = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".partial");
        deleteTree(partial); // left by a run that was killed
        try (Checkpoint checkpoint = Checkpoint.open(in);
             WorkerPool pool = new WorkerPool(threads)) {
            MatrixReader.requireUnquantized(checkpoint);
            ObjectNode config = (ObjectNode) new ObjectMapper().readTree(in.resolve(CONFIG).toFile());
            config.set("quantization_config", GlintQuantization.config(plan));
            Map<String, QuantFormat> formats = new HashMap<>();
            for (Tensor t : PlanQuantizer.selected(checkpoint, plan)) {
                formats.put(t.name(), plan.formatFor(t.name()).orElseThrow());
            }
            long sourceBytes = formats.keySet().stream().mapToLong(name -> checkpoint.tensor(name).byteSize()).sum();
            Files.createDirectories(partial);
            copyOtherFiles(in, partial);
            Files.writeString(partial.resolve(CONFIG),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
            try (StreamingQuantizer quantizer = new StreamingQuantizer(pool, progress, sourceBytes)) {
                List<TensorSpec> tensors = tensors(checkpoint, formats, quantizer);
                List<String> files = SafetensorsWriter.writeShards(partial, tensors, shardBytes, Map.of("format", "pt"));
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
                    throw new IllegalArgumentException(out + " is not empty; glint quantize writes into a new folder");
                }
            }
        }
    }

    /** Every tensor of {@code checkpoint} by name, a quantized matrix's tensors one after the other. */
    private static List<TensorSpec> tensors(Checkpoint checkpoint, Map<String, QuantFormat> formats,
                                            StreamingQuantizer quantizer) {
        List<TensorSpec> tensors = new ArrayList<>();
        for (String name : checkpoint.names()) {
            Tensor t = checkpoint.tensor(name);
            QuantFormat format = formats.get(name);
            if (format == null) {
                tensors.add(new TensorSpec(name, t.dtype(), t.shape(), copyOf(t.data())));
            } else {
                tensors.addAll(quantizer.tensors(t, format));
            }
        }
        return tensors;
    }

    private static Consumer<MemorySegment> copyOf(MemorySegment source) {
        return target -> target.copyFrom(source);
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
