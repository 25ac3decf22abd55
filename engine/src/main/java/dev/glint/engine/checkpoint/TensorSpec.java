package dev.glint.engine.checkpoint;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A tensor to be written by {@link SafetensorsWriter}: {@code fill} receives exactly this tensor's
 * bytes in the mapped output file and writes them (row-major, little-endian).
 */
public record TensorSpec(String name, DType dtype, long[] shape, Consumer<MemorySegment> fill) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        Objects.requireNonNull(fill, "fill");
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("tensor " + name + " has a negative dimension in shape "
                        + Shapes.format(shape));
            }
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long byteSize() {
        return dtype.byteSize(Shapes.numel(shape));
    }
}
