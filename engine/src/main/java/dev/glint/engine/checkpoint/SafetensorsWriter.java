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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
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
     * starts aligned to its element size. The fills run in the order of {@code tensors}, so that a
     * producer of several tensors at once (a quantized matrix's weights and scales) can hold them
     * only until the last of them is written. A failing {@code fill} leaves no file behind.
     */
    public static void write(Path file, List<TensorSpec> tensors, Map<String, String> metadata) {
        List<TensorSpec> ordered = tensors.stream()
                .sorted(Comparator.comparingInt((TensorSpec t) -> -t.dtype().bits()).thenComparing(TensorSpec::name))
                .toList();
        Map<TensorSpec, Long> beginOf = new IdentityHashMap<>();
        ObjectNode header = Json.STRICT.createObjectNode();
        ObjectNode metadataNode = header.putObject(SafetensorsHeader.METADATA_KEY);
        new TreeMap<>(metadata).forEach(metadataNode::put);
        Set<String> names = new HashSet<>();
        long dataSize = 0;
        for (TensorSpec tensor : ordered) {
            if (tensor.name().equals(SafetensorsHeader.METADATA_KEY) || !names.add(tensor.name())) {
                throw new IllegalArgumentException("cannot write tensor " + tensor.name() + " to " + file
                        + ": the name is reserved or used twice");
            }
            long begin = dataSize;
            dataSize = Math.addExact(dataSize, tensor.byteSize());
            beginOf.put(tensor, begin);
            ObjectNode entry = header.putObject(tensor.name());
            entry.put("dtype", tensor.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long dim : tensor.shape()) {
                shape.add(dim);
            }
            entry.putArray("data_offsets").add(begin).add(dataSize);
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
            for (TensorSpec tensor : tensors) {
                tensor.fill().accept(out.asSlice(dataStart + beginOf.get(tensor), tensor.byteSize()));
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

    /**
     * Writes {@code tensors} into {@code dir} as Hugging Face does: shards {@code model-00001-of-0000N.safetensors}
     * of at most {@code shardBytes} bytes of tensors each (a tensor bigger than that gets a shard of its own) and
     * {@code model.safetensors.index.json} naming the shard of every tensor, or {@code model.safetensors} and no index
     * when everything fits in one shard. The shards take the tensors in the order given, one after the other, and
     * run their fills in that order.
     *
     * @return the names of the files written, the index last
     */
    public static List<String> writeShards(Path dir, List<TensorSpec> tensors, long shardBytes,
                                           Map<String, String> metadata) {
        if (shardBytes < 1) {
            throw new IllegalArgumentException("a shard must hold at least one byte, not " + shardBytes);
        }
        List<List<TensorSpec>> shards = new ArrayList<>();
        long filled = 0;
        for (TensorSpec tensor : tensors) {
            if (shards.isEmpty() || filled > 0 && filled + tensor.byteSize() > shardBytes) {
                shards.add(new ArrayList<>());
                filled = 0;
            }
            shards.getLast().add(tensor);
            filled += tensor.byteSize();
        }
        if (shards.size() <= 1) {
            write(dir.resolve(Checkpoint.SINGLE_FILE), tensors, metadata);
            return List.of(Checkpoint.SINGLE_FILE);
        }
        List<String> files = new ArrayList<>();
        Map<String, String> weightMap = new HashMap<>();
        for (List<TensorSpec> shard : shards) {
            String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", files.size() + 1, shards.size());
            write(dir.resolve(name), shard, metadata);
            shard.forEach(tensor -> weightMap.put(tensor.name(), name));
            files.add(name);
        }
        writeIndex(dir, weightMap, tensors.stream().mapToLong(TensorSpec::byteSize).sum());
        files.add(Checkpoint.INDEX_FILE);
        return files;
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
