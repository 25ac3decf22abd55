package dev.glint.engine.quant;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.Tensor;

import java.lang.foreign.Arena;

/**
 * The tensors of one quantized linear layer {@code X} ({@code X.weight_packed}, {@code X.qweight}, …), for a matrix
 * of {@code rows} outputs by {@code cols} inputs; {@code arena} holds whatever is repacked.
 */
record Module(Checkpoint checkpoint, String name, int rows, int cols, Arena arena, String scheme) {

    String tensorName(String suffix) {
        return name + "." + suffix;
    }

    boolean has(String suffix) {
        return checkpoint.contains(tensorName(suffix));
    }

    /** The tensor {@code X.suffix}, refused by name when absent: {@code role} says why it is needed. */
    Tensor require(String suffix, String role) {
        if (!has(suffix)) {
            throw new CheckpointException("tensor " + tensorName(suffix) + " is missing from checkpoint "
                    + checkpoint.directory() + ": " + scheme + " needs it as " + role);
        }
        return checkpoint.tensor(tensorName(suffix));
    }

    /** As {@link #require}, also checking the shape. */
    Tensor require(String suffix, String role, long... shape) {
        require(suffix, role);
        return checkpoint.tensor(tensorName(suffix), shape);
    }

    CheckpointException problem(String message) {
        return new CheckpointException(name + " (" + scheme + ", checkpoint " + checkpoint.directory() + "): " + message);
    }
}
