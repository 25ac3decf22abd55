package dev.glint.engine.model;

import dev.glint.engine.checkpoint.JsonFields;

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
        JsonFields f = Glm4MoeConfig.fields(Glm4MoeConfig.readObject(file), file.toString());
        return new GenerationConfig(Glm4MoeConfig.eosTokenIds(f, config.eosTokenIds()),
                f.number("temperature", 1.0, 0, Double.POSITIVE_INFINITY),
                f.number("top_p", 1.0, 0, 1),
                f.integer("top_k", 0, 0, Integer.MAX_VALUE));
    }
}
