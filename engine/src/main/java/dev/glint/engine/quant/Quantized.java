package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.DType;
import dev.glint.kernels.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** A matrix quantized into memory, and the tensors {@code X.suffix} that hold the same bytes in a glint checkpoint. */
record Quantized(Matrix matrix, List<Part> parts) {

    record Part(String suffix, DType dtype, long[] shape, MemorySegment data) {
    }

    Quantized {
        parts = List.copyOf(parts);
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
