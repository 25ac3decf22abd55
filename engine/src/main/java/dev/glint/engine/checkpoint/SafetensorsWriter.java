package dev.glint.engine.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes safetensors files of any size without staging tensors on the heap: the output is mapped
 * and each tensor's producer writes straight into its slice.
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {
    }

    /**
     * Writes {@code file}, replacing it. Tensors are laid out by descending element size, then name,
     * as the reference writer does: with the header padded to a multiple of 8 every tensor then
     * starts aligned to its element size. A failing {@code fill} leaves no file behind.
     */
    public static void write(Path file, List<TensorSpec> tensors, Map<String, String> metadata) {
        List<TensorSpec> ordered = tensors.stream()
                .sorted(Comparator.comparingInt((TensorSpec t) -> -t.dtype().bits()).thenComparing(TensorSpec::name))
                .toList();
        ObjectNode header = Json.STRICT.createObjectNode();
        ObjectNode metadataNode = header.putObject(SafetensorsHeader.METADATA_KEY);
        new TreeMap<>(metadata).forEach(metadataNode::put);
        Set<String> names = new HashSet<>();
        long[] begins = new long[ordered.size()];
        long dataSize = 0;
        for (int i = 0; i < ordered.size(); i++) {
            TensorSpec tensor = ordered.get(i);
            if (tensor.name().equals(SafetensorsHeader.METADATA_KEY) || !names.add(tensor.name())) {
                throw new IllegalArgumentException("cannot write tensor " + tensor.name() + " to " + file
                        + ": the name is reserved or used twice");
            }
            begins[i] = dataSize;
            dataSize = Math.addExact(dataSize, tensor.byteSize());
            ObjectNode entry = header.putObject(tensor.name());
            entry.put("dtype", tensor.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long dim : tensor.shape()) {
                shape.add(dim);
            }
            entry.putArray("data_offsets").add(begins[i]).add(dataSize);
        }
        byte[] json = headerBytes(header);
        long headerSize = (json.length + 7L) & ~7L;
        long dataStart = 8 + headerSize;

        try (Arena arena = Arena.ofConfined();
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // Mapping past the end grows the file; untouched pages stay sparse until filled.
            MemorySegment out = channel.map(FileChannel.MapMode.READ_WRITE, 0, dataStart + dataSize, arena);
            out.set(SafetensorsHeader.U64_LE, 0, headerSize);
            MemorySegment.copy(json, 0, out, ValueLayout.JAVA_BYTE, 8, json.length);
            out.asSlice(8 + json.length, headerSize - json.length).fill((byte) ' ');
            for (int i = 0; i < ordered.size(); i++) {
                TensorSpec tensor = ordered.get(i);
                tensor.fill().accept(out.asSlice(dataStart + begins[i], tensor.byteSize()));
            }
            out.force();
        } catch (IOException e) {
            CheckpointException failure = new CheckpointException("cannot write " + file + ": " + e, e);
            deleteAfter(failure, file);
            throw failure;
        } catch (RuntimeException | Error e) {
            deleteAfter(e, file);
            throw e;
        }
    }

    /** Writes {@code model.safetensors.index.json} into {@code dir}, in the form Hugging Face uses. */
    public static void writeIndex(Path dir, Map<String, String> weightMap, long totalSize) {
        ObjectNode root = Json.STRICT.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        new TreeMap<>(weightMap).forEach(map::put);
        Path index = dir.resolve(Checkpoint.INDEX_FILE);
        try {
            Files.writeString(index, Json.STRICT.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + index + ": " + e, e);
        }
    }

    private static byte[] headerBytes(ObjectNode header) {
        try {
            return Json.STRICT.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings and numbers always serializes", e);
        }
    }

    /** Removes a half-written file so that it cannot be mistaken for a checkpoint. */
    private static void deleteAfter(Throwable failure, Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
