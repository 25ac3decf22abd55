package dev.glint.engine.checkpoint;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a checkpoint: its bytes are a read-only slice of the mapped file, valid until the
 * owning {@link Checkpoint} (or the arena given to {@link SafetensorsFile#open}) is closed.
 * Row-major, little-endian, not necessarily aligned.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data, Path file) {

    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(file, "file");
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public long numel() {
        return Shapes.numel(shape);
    }

    public long byteSize() {
        return data.byteSize();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && data.equals(t.data) && file.equals(t.file);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), data, file);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Shapes.format(shape) + " in " + file;
    }
}
