package dev.glint.engine.model;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.SafetensorsWriter;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.checkpoint.TensorSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A checkpoint whose tensors don't fit the config is refused with the tensor's name, not a crash. */
class Glm4MoeWeightsTest {
    private static final Path SOURCE = ReferenceLogits.fixture("glm45-tiny");
    private static final Consumer<MemorySegment> ZERO = segment -> segment.fill((byte) 0);

    /** Copies glm45-tiny to {@code dir}, letting {@code edit} drop (null) or replace each tensor. */
    private static void copyWith(Path dir, UnaryOperator<TensorSpec> edit) throws IOException {
        Files.copy(SOURCE.resolve("config.json"), dir.resolve("config.json"));
        try (Checkpoint source = Checkpoint.open(SOURCE)) {
            List<TensorSpec> specs = new ArrayList<>();
            for (String name : source.names()) {
                Tensor t = source.tensor(name);
                TensorSpec spec = edit.apply(new TensorSpec(name, t.dtype(), t.shape(), out -> out.copyFrom(t.data())));
                if (spec != null) {
                    specs.add(spec);
                }
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), specs, Map.of());
        }
    }

    @Test
    void aMissingTensorIsNamed(@TempDir Path dir) throws IOException {
        copyWith(dir, spec -> spec.name().equals("model.layers.2.mlp.experts.5.up_proj.weight") ? null : spec);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Glm4Moe.load(dir, 1));
        assertTrue(e.getMessage().contains("model.layers.2.mlp.experts.5.up_proj.weight"), e.getMessage());
    }

    @Test
    void aTensorOfTheWrongShapeIsNamedWithBothShapes(@TempDir Path dir) throws IOException {
        copyWith(dir, spec -> !spec.name().equals("model.layers.1.self_attn.o_proj.weight") ? spec
                : new TensorSpec(spec.name(), spec.dtype(), new long[]{spec.shape()[1], spec.shape()[0]}, ZERO));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Glm4Moe.load(dir, 1));
        assertTrue(e.getMessage().contains("model.layers.1.self_attn.o_proj.weight") && e.getMessage().contains("96")
                && e.getMessage().contains("128"), e.getMessage());
    }

    @Test
    void anUnreadableMatrixTypeIsRefusedByName(@TempDir Path dir) throws IOException {
        copyWith(dir, spec -> !spec.name().equals("lm_head.weight") ? spec
                : new TensorSpec(spec.name(), DType.I32, spec.shape(), ZERO));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Glm4Moe.load(dir, 1));
        assertTrue(e.getMessage().contains("lm_head.weight") && e.getMessage().contains("I32"), e.getMessage());
    }
}
