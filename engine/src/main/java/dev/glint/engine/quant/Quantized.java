package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.kernels.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A matrix quantized into memory, and the tensors {@code X.suffix} that hold the same bytes in a glint checkpoint. */
record Quantized(Matrix matrix, List<Part> parts) {

    /**
     * The name suffix, dtype and shape of one tensor a module is stored as. Each format derives them from the source
     * shape alone, so that a checkpoint's header can be written before its matrices are quantized.
     */
    record Layout(String suffix, DType dtype, long... shape) {
        Layout {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        long byteSize() {
            return dtype.byteSize(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        }
    }

    record Part(Layout layout, MemorySegment data) {
        Part {
            if (data.byteSize() != layout.byteSize()) {
                throw new IllegalStateException(layout.suffix() + " " + Arrays.toString(layout.shape()) + " "
                        + layout.dtype() + " takes " + layout.byteSize() + " bytes, but " + data.byteSize()
                        + " were quantized");
            }
        }
    }

    Quantized {
        parts = List.copyOf(parts);
    }

    /** {@code matrix}, stored as {@code layouts} holding {@code data} in the same order. */
    Quantized(Matrix matrix, List<Layout> layouts, MemorySegment... data) {
        this(matrix, parts(layouts, data));
    }

    private static List<Part> parts(List<Layout> layouts, MemorySegment[] data) {
        if (layouts.size() != data.length) {
            throw new IllegalStateException(layouts.size() + " tensors laid out, " + data.length + " quantized");
        }
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < data.length; i++) {
            parts.add(new Part(layouts.get(i), data[i]));
        }
        return parts;
    }

    /** A NaN or infinite weight would poison its whole group's scale: refused by position. */
    static void requireFinite(float[] row, int r) {
        for (int c = 0; c < row.length; c++) {
            if (!Float.isFinite(row[c])) {
                throw new IllegalArgumentException("row " + r + ", column " + c + " holds " + row[c]
                        + "; only finite weights can be quantized");
            }
        }
    }

    long byteSize() {
        return parts.stream().mapToLong(p -> p.data().byteSize()).sum();
    }
}
