package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.TensorSpec;

/**
 * A tensor of a float checkpoint being written as a glint checkpoint ({@link GlintCheckpoint}): as it is stored, or,
 * for a matrix the plan selects, quantized from its rows.
 */
public interface SourceTensor {
    /** The tensor's name, dtype and shape, and the fill that writes its bytes as they are. */
    TensorSpec stored();

    /** The rows of the matrix this tensor stores, read only when it is quantized. */
    FloatRows floatRows();

    /** The tensor, for messages: its name, and where it comes from. */
    String describe();
}
