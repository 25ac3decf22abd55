package dev.glint.engine.checkpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * One safetensors file, mapped read-only in a single piece and validated on open. Tensors are
 * zero-copy views into the mapping, which lives as long as the arena the caller passed in.
 */
public final class SafetensorsFile {

    private final Path path;
    private final MemorySegment mapped;
    private final SafetensorsHeader header;

    private SafetensorsFile(Path path, MemorySegment mapped, SafetensorsHeader header) {
        this.path = path;
        this.mapped = mapped;
        this.header = header;
    }

    /** @throws CheckpointException if the file cannot be read or is not a valid safetensors file */
    public static SafetensorsFile open(Path file, Arena arena) {
        MemorySegment mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = nativeView(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena), arena);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + " does not exist", e);
        } catch (IOException e) {
            throw new CheckpointException(file + " cannot be read: " + e, e);
        }
        return new SafetensorsFile(file, mapped, SafetensorsHeader.parse(file, mapped));
    }

    /**
     * The same mapped bytes as a plain native segment, read-only and closed with {@code arena}. The kernels read the
     * weights and the KV pool (native memory) through the same JDK vector loads, whose type profiles C2 shares
     * between all their callers: with mapped weights beside native KV those loads saw two segment classes, and once
     * decode had run over the weights, attention over the KV pool ran 2.7 times slower (270 against 100 ns per
     * position and KV head at 32K positions, one thread). One class of segment keeps every load monomorphic.
     */
    private static MemorySegment nativeView(MemorySegment mapping, Arena arena) {
        return MemorySegment.ofAddress(mapping.address()).reinterpret(mapping.byteSize(), arena, null).asReadOnly();
    }

    public Path path() {
        return path;
    }

    public long fileSize() {
        return mapped.byteSize();
    }

    /** The optional {@code __metadata__} map; empty when the header has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Every tensor in the order the header lists them, whatever its dtype. */
    public Map<String, TensorInfo> tensors() {
        return header.tensors();
    }

    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    /** @throws CheckpointException if there is no such tensor or Glint cannot read its dtype */
    public Tensor tensor(String name) {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw new CheckpointException(path + " has no tensor " + name);
        }
        if (!info.dtype().supported()) {
            throw new CheckpointException("tensor " + name + " in file " + path + " has dtype " + info.dtype()
                    + ", which Glint does not support; supported: " + DType.supportedNames());
        }
        MemorySegment data = mapped.asSlice(header.dataStart() + info.begin(), info.byteSize());
        return new Tensor(name, info.dtype(), info.shape(), data, path);
    }
}
