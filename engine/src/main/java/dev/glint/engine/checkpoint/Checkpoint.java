package dev.glint.engine.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * The tensors of a Hugging Face checkpoint directory, memory-mapped. Shards are found only through
 * {@code model.safetensors.index.json}, never by listing the directory: repositories hold other
 * files, and a shard may have any name (GLM-4.6 keeps its MTP layer in {@code mtp.safetensors}).
 * Closing the checkpoint unmaps every file; tensors taken from it must not be used afterwards.
 */
public final class Checkpoint implements AutoCloseable {

    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";

    private final Path directory;
    private final Arena arena;
    private final List<SafetensorsFile> files;
    private final TreeMap<String, SafetensorsFile> fileByTensor = new TreeMap<>();

    private Checkpoint(Path directory, Arena arena, List<SafetensorsFile> files) {
        this.directory = directory;
        this.arena = arena;
        this.files = List.copyOf(files);
        for (SafetensorsFile file : files) {
            for (String name : file.tensors().keySet()) {
                SafetensorsFile other = fileByTensor.putIfAbsent(name, file);
                if (other != null) {
                    throw new CheckpointException("checkpoint " + directory + " has tensor " + name
                            + " twice, in both " + other.path().getFileName() + " and " + file.path().getFileName());
                }
            }
        }
    }

    /** @throws CheckpointException if the directory holds no readable, consistent checkpoint */
    public static Checkpoint open(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new CheckpointException("checkpoint directory " + directory + " does not exist or is not a directory");
        }
        // Shared, because the kernels read weights from many worker threads.
        Arena arena = Arena.ofShared();
        try {
            if (Files.exists(directory.resolve(INDEX_FILE))) {
                return openSharded(directory, arena);
            }
            if (Files.exists(directory.resolve(SINGLE_FILE))) {
                return new Checkpoint(directory, arena, List.of(SafetensorsFile.open(directory.resolve(SINGLE_FILE), arena)));
            }
            throw new CheckpointException("checkpoint directory " + directory + " has neither " + INDEX_FILE + " nor "
                    + SINGLE_FILE);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static Checkpoint openSharded(Path directory, Arena arena) {
        Path index = directory.resolve(INDEX_FILE);
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafetensorsFile> shards = new TreeMap<>();
        weightMap.forEach((tensor, fileName) -> {
            if (!shards.containsKey(fileName)) {
                shards.put(fileName, SafetensorsFile.open(shardPath(directory, index, tensor, fileName), arena));
            }
        });
        Checkpoint checkpoint = new Checkpoint(directory, arena, new ArrayList<>(shards.values()));
        weightMap.forEach((tensor, fileName) -> {
            if (!shards.get(fileName).contains(tensor)) {
                SafetensorsFile actual = checkpoint.fileByTensor.get(tensor);
                throw new CheckpointException(index + " puts tensor " + tensor + " in " + fileName + ", but "
                        + fileName + " has no such tensor"
                        + (actual == null ? "" : " (it is in " + actual.path().getFileName() + ")"));
            }
        });
        return checkpoint;
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = Json.STRICT.readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(index + " is not valid JSON: " + Json.problem(e), e);
        } catch (IOException e) {
            throw new CheckpointException(index + " cannot be read: " + e, e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new CheckpointException(index + " has no \"weight_map\" object naming the file of each tensor");
        }
        Map<String, String> fileByTensor = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
            if (!entry.getValue().isTextual()) {
                throw new CheckpointException(index + " maps tensor " + entry.getKey()
                        + " to something other than a file name: " + Json.describe(entry.getValue()));
            }
            fileByTensor.put(entry.getKey(), entry.getValue().textValue());
        }
        return fileByTensor;
    }

    private static Path shardPath(Path directory, Path index, String tensor, String fileName) {
        Path root = directory.toAbsolutePath().normalize();
        Path shard = root.resolve(fileName).normalize();
        if (!shard.startsWith(root) || shard.equals(root)) {
            throw new CheckpointException(index + " puts tensor " + tensor + " in " + fileName
                    + ", which is outside the checkpoint directory");
        }
        if (!Files.isRegularFile(shard)) {
            throw new CheckpointException(index + " puts tensor " + tensor + " in " + fileName + ", but " + shard
                    + " does not exist; the download is incomplete");
        }
        return shard;
    }

    public Path directory() {
        return directory;
    }

    /** The safetensors files in use, in the order of their names. */
    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    public boolean contains(String name) {
        return fileByTensor.containsKey(name);
    }

    /** Every tensor name in the checkpoint, sorted. */
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(fileByTensor.navigableKeySet());
    }

    /** @throws CheckpointException if there is no such tensor or Glint cannot read its dtype */
    public Tensor tensor(String name) {
        SafetensorsFile file = fileByTensor.get(name);
        if (file == null) {
            throw new CheckpointException("checkpoint " + directory + " has no tensor " + name);
        }
        return file.tensor(name);
    }

    /** As {@link #tensor(String)}, also refusing a tensor whose shape is not {@code expectedShape}. */
    public Tensor tensor(String name, long... expectedShape) {
        Tensor tensor = tensor(name);
        if (!Arrays.equals(tensor.shape(), expectedShape)) {
            throw new CheckpointException("tensor " + name + " in " + tensor.file() + " has shape "
                    + Shapes.format(tensor.shape()) + ", expected " + Shapes.format(expectedShape));
        }
        return tensor;
    }

    /** Bytes of all mapped files, headers included. */
    public long bytesMapped() {
        return files.stream().mapToLong(SafetensorsFile::fileSize).sum();
    }

    /** Tensor bytes per dtype, over every tensor, readable or not. */
    public Map<DType, Long> bytesByDType() {
        Map<DType, Long> bytes = new EnumMap<>(DType.class);
        for (SafetensorsFile file : files) {
            for (TensorInfo info : file.tensors().values()) {
                bytes.merge(info.dtype(), info.byteSize(), Long::sum);
            }
        }
        return Collections.unmodifiableMap(bytes);
    }

    /** Unmaps every file. */
    @Override
    public void close() {
        arena.close();
    }
}
