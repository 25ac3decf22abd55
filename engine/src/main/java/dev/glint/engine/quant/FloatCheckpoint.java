package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A float checkpoint to be written as a glint checkpoint ({@link GlintCheckpoint#write(FloatCheckpoint, Path,
 * QuantizationPlan, long, int, QuantizationProgress)}): its {@code config.json}, its tensors in the order they are
 * written, the metadata of its safetensors headers, and the files besides these that belong in its folder.
 */
public record FloatCheckpoint(ObjectNode config, List<SourceTensor> tensors, Map<String, String> metadata,
                              OtherFiles otherFiles) {

    public FloatCheckpoint {
        tensors = List.copyOf(tensors);
        metadata = Map.copyOf(metadata);
    }

    /** Writes the files that are neither weights nor config.json (tokenizer, generation config) into a folder. */
    @FunctionalInterface
    public interface OtherFiles {
        void writeInto(Path folder) throws IOException;
    }
}
