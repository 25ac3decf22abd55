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
import java.util.ArrayList;
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
    private static final String CONFIG = "config.json";

    private GlintCheckpoint() {
    }

    /**
     * Quantizes {@code in} into the new folder {@code out} on {@code threads} threads. The quantized matrices are held
     * in memory until the file is written.
     *
     * @return the bytes of tensors written
     */
    public static long write(Path in, Path out, QuantizationPlan plan, int threads, QuantizationProgress progress)
            throws IOException {
        if (plan.isEmpty()) {
            throw new IllegalArgumentException("the quantization plan selects no tensors");
        }
        requireEmpty(out);
        try (Checkpoint checkpoint = Checkpoint.open(in);
             WorkerPool pool = new WorkerPool(threads);
             MatrixReader reader = MatrixReader.open(checkpoint, plan, pool, progress)) {
            ObjectNode config = (ObjectNode) new ObjectMapper().readTree(in.resolve(CONFIG).toFile());
            config.set("quantization_config", GlintQuantization.config(plan));
            List<TensorSpec> tensors = tensors(checkpoint, reader.quantized());
            Files.createDirectories(out);
            copyOtherFiles(in, out);
            Files.writeString(out.resolve(CONFIG),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
            SafetensorsWriter.write(out.resolve(Checkpoint.SINGLE_FILE), tensors, Map.of("format", "pt"));
            writeManifest(out);
            return tensors.stream().mapToLong(TensorSpec::byteSize).sum();
        }
    }

    /**
     * The sha256 of every file written, last: {@code glint verify} proves a copy intact with it, and a run killed
     * before the end leaves a folder without one.
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

    private static List<TensorSpec> tensors(Checkpoint checkpoint, Map<String, Quantized> quantized) {
        List<TensorSpec> tensors = new ArrayList<>();
        for (String name : checkpoint.names()) {
            Quantized q = quantized.get(name);
            if (q == null) {
                Tensor t = checkpoint.tensor(name);
                tensors.add(new TensorSpec(name, t.dtype(), t.shape(), copyOf(t.data())));
                continue;
            }
            String module = name.substring(0, name.length() - ".weight".length());
            for (Quantized.Part part : q.parts()) {
                tensors.add(new TensorSpec(module + "." + part.layout().suffix(), part.layout().dtype(), part.layout().shape(), copyOf(part.data())));
            }
        }
        return tensors;
    }

    private static Consumer<MemorySegment> copyOf(MemorySegment source) {
        return target -> target.copyFrom(source);
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
