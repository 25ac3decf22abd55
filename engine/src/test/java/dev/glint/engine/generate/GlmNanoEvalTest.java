package dev.glint.engine.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.model.GenerationConfig;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.sampling.Sampler;
import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.text.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.glint.engine.eval.EvalSet.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** glm-nano, the embedded default model: greedy outputs of all held-out eval prompts equal the reference's. */
class GlmNanoEvalTest {
    private static final Path GLM_NANO = Path.of("../models/glm-nano");

    @Test
    void greedyOutputsOfEveryEvalPromptEqualTheReference() throws IOException {
        JsonNode items = new ObjectMapper().readTree(GLM_NANO.resolve("eval.json").toFile()).get("items");
        assertEquals(502, items.size(), "eval.json items");
        List<String> mismatches = new ArrayList<>();
        try (Glm4Moe model = Glm4Moe.load(GLM_NANO, 2)) {
            Set<Integer> stops = new HashSet<>(GenerationConfig.load(GLM_NANO, model.config()).eosTokenIds());
            Generator generator = new Generator(model, Tokenizer.load(GLM_NANO).vocabSize());
            for (JsonNode item : items) {
                int[] prompt = ids(item.get("prompt_ids"));
                int[] expected = ids(item.get("output_ids"));
                int[] actual = generator.generate(prompt, expected.length, new Sampler(SamplingParams.greedy()), stops, id -> { });
                if (!Arrays.equals(expected, actual)) {
                    mismatches.add("item " + item.get("id") + ": expected " + Arrays.toString(expected)
                            + " got " + Arrays.toString(actual));
                }
            }
        }
        System.out.printf("glm-nano eval: %d/%d greedy outputs equal the reference%n",
                items.size() - mismatches.size(), items.size());
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + items.size() + " differ; first: "
                + mismatches.stream().limit(3).toList());
    }

}
