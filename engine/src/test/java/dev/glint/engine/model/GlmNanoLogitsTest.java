package dev.glint.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glint.engine.GlmNanoEval;
import dev.glint.engine.kv.KvCache;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static dev.glint.engine.model.ReferenceLogits.assertMatches;
import static dev.glint.engine.model.ReferenceLogits.intArray;

/** glm-nano's next-token logits after the first eval prompts, stored by the reference to 5 decimals. */
class GlmNanoLogitsTest {
    /** The stored values are rounded to 5e-6 and agree with llama.cpp and float64 NumPy to 9e-6. */
    private static final double TOLERANCE = 3e-5;

    @Test
    void nextTokenLogitsOfTheFirstEvalPromptsMatchTheReference() throws IOException {
        JsonNode items = GlmNanoEval.items();
        try (Glm4Moe model = Glm4Moe.load(GlmNanoEval.MODEL, 2)) {
            int vocab = model.config().vocabSize();
            for (int i = 0; i < 3; i++) {
                JsonNode item = items.get(i);
                int[] prompt = intArray(item.get("prompt_ids"));
                float[] expected = new float[vocab];
                for (int v = 0; v < vocab; v++) {
                    expected[v] = item.get("next_token_logits").get(v).floatValue();
                }
                try (KvCache cache = model.newCache(prompt.length)) {
                    double error = assertMatches("glm-nano item " + i, expected, model.forward(prompt, cache, false), vocab, TOLERANCE);
                    System.out.printf("glm-nano item %d: max |logit - reference| = %.3g%n", i, error);
                }
            }
        }
    }
}
