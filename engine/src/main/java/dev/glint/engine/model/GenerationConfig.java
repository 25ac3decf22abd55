package dev.glint.engine.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code generation_config.json} says about decoding: the stop ids (GLM ends turns with {@code <|user|>} or
 * {@code <|observation|>}, not only {@code <|endoftext|>}) and the model's sampling defaults.
 */
public record GenerationConfig(List<Integer> eosTokenIds, double temperature, double topP, int topK) {

    /** Reads the folder's generation_config.json; without one, the eos ids of config.json and greedy-neutral defaults. */
    public static GenerationConfig load(Path modelDir, Glm4MoeConfig config) {
        Path file = modelDir.resolve("generation_config.json");
        if (!Files.isRegularFile(file)) {
            return new GenerationConfig(config.eosTokenIds(), 1.0, 1.0, 0);
        }
        JsonNode root = Glm4MoeConfig.readObject(file);
        JsonNode ids = root.get("eos_token_id");
        List<Integer> eos = ids == null || ids.isNull() ? config.eosTokenIds()
                : Glm4MoeConfig.tokenIds(ids, file.toString(), "eos_token_id");
        return new GenerationConfig(eos,
                root.path("temperature").asDouble(1.0),
                root.path("top_p").asDouble(1.0),
                root.path("top_k").asInt(0));
    }
}
