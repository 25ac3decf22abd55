package dev.glint.engine.generate;

import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.sampling.Sampler;
import dev.glint.engine.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {
    private static final Path GLM_NANO = Path.of("../models/glm-nano");
    private static final int[] PROMPT = {1482, 1484, 1487, 10, 490, 1488};
    private static Glm4Moe model;

    @BeforeAll
    static void load() {
        model = Glm4Moe.load(GLM_NANO, 1);
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    /** Ids past those the tokenizer defines pad the vocabulary: they are never drawn, even where the model ranks them first. */
    @Test
    void onlyIdsTheTokenizerDefinesAreDrawn() {
        int defined = 100;
        int[] generated = new Generator(model, defined).generate(PROMPT, 20, new Sampler(new SamplingParams(1, 0, 1, 0, 3)),
                Set.of(), id -> { });
        assertEquals(20, generated.length);
        for (int id : generated) {
            assertTrue(id < defined, "drew " + id + ", past the " + defined + " defined ids: " + Arrays.toString(generated));
        }
    }

    @Test
    void aTokenizerDefiningNoTokenIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new Generator(model, 0));
        assertTrue(refused.getMessage().contains("got 0"), refused.getMessage());
    }
}
