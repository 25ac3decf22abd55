package dev.glint.engine.model;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.SafetensorsWriter;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.checkpoint.TensorSpec;
import dev.glint.engine.kv.KvCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same weights laid out as real checkpoints are (sharded, with an MTP layer) give the same logits; a checkpoint
 * whose tensors don't fit the config is refused with the tensor's name, not a crash.
 */
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

    private static float[] logits(Path dir) throws IOException {
        int[] tokens = ReferenceLogits.intArray(SOURCE.resolve("tokens.json"));
        try (Glm4Moe model = Glm4Moe.load(dir, 1); KvCache cache = model.newCache(tokens.length)) {
            return model.forward(tokens, cache, true);
        }
    }

    @Test
    void shardsListedInTheIndexGiveTheSameLogits(@TempDir Path dir) throws IOException {
        Files.copy(SOURCE.resolve("config.json"), dir.resolve("config.json"));
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        try (Checkpoint source = Checkpoint.open(SOURCE)) {
            List<TensorSpec> first = new ArrayList<>();
            List<TensorSpec> second = new ArrayList<>();
            for (String name : source.names()) {
                Tensor t = source.tensor(name);
                boolean early = name.startsWith("model.layers.0.") || name.startsWith("model.embed");
                (early ? first : second).add(new TensorSpec(name, t.dtype(), t.shape(), out -> out.copyFrom(t.data())));
                weightMap.put(name, early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
                total += t.byteSize();
            }
            SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of());
            SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of());
        }
        SafetensorsWriter.writeIndex(dir, weightMap, total);
        assertSameLogits(logits(SOURCE), logits(dir));
    }

    @Test
    void anMtpLayerAfterTheLastLayerIsSkipped(@TempDir Path dir) throws IOException {
        Files.copy(SOURCE.resolve("config.json"), dir.resolve("config.json"));
        try (Checkpoint source = Checkpoint.open(SOURCE)) {
            List<TensorSpec> specs = new ArrayList<>();
            for (String name : source.names()) {
                Tensor t = source.tensor(name);
                specs.add(new TensorSpec(name, t.dtype(), t.shape(), out -> out.copyFrom(t.data())));
                if (name.startsWith("model.layers.3.")) {
                    // The MTP layer sits at index num_hidden_layers (4 here) with garbage the main pass must not read.
                    specs.add(new TensorSpec(name.replace("model.layers.3.", "model.layers.4."), t.dtype(), t.shape(),
                            out -> out.fill((byte) 0x7F)));
                }
            }
            specs.add(new TensorSpec("model.layers.4.eh_proj.weight", DType.BF16, new long[]{96, 192}, ZERO));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), specs, Map.of());
        }
        assertSameLogits(logits(SOURCE), logits(dir));
    }

    /**
     * The same weights give the same logits up to the order in which SIMD lanes are summed, which differs between
     * the interpreter and compiled code (a cold and a warm model), hence not bit-for-bit.
     */
    private static void assertSameLogits(float[] expected, float[] actual) {
        ReferenceLogits.assertMatches("same weights, another layout", expected, actual, 320, 1e-5);
    }
}
