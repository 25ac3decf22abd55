package dev.glint.engine.model;

import dev.glint.engine.kv.KvCache;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.glint.engine.model.ReferenceLogits.assertMatches;
import static dev.glint.engine.model.ReferenceLogits.fixture;
import static dev.glint.engine.model.ReferenceLogits.floats;
import static dev.glint.engine.model.ReferenceLogits.intArray;

/** Sequences at different stages stepped together compute what each computes alone. */
class BatchedSequencesTest {

    @Test
    void aPrefillAndTwoDecodesInOneStepMatchTheReferenceForEachSequence() throws IOException {
        Path dir = fixture("glm45-tiny");
        int[] tokens = intArray(dir.resolve("tokens.json"));
        float[] reference = floats(dir.resolve("logits.f32"));
        try (Glm4Moe model = Glm4Moe.load(dir, 2);
             KvCache decodingA = model.newCache(tokens.length);
             KvCache decodingB = model.newCache(tokens.length);
             KvCache prefilling = model.newCache(tokens.length)) {
            int vocab = model.config().vocabSize();
            model.forward(Arrays.copyOf(tokens, 30), decodingA, false);
            model.forward(Arrays.copyOf(tokens, 11), decodingB, false);
            List<float[]> logits = model.forward(List.of(
                    new Glm4Moe.Step(decodingA, new int[]{tokens[30]}, false),
                    new Glm4Moe.Step(prefilling, Arrays.copyOf(tokens, 25), true),
                    new Glm4Moe.Step(decodingB, new int[]{tokens[11]}, false))).stream().map(Glm4Moe.Output::logits).toList();
            assertMatches("sequence decoding position 30", Arrays.copyOfRange(reference, 30 * vocab, 31 * vocab),
                    logits.get(0), vocab, 1e-4);
            assertMatches("sequence prefilling 25 positions", Arrays.copyOf(reference, 25 * vocab),
                    logits.get(1), vocab, 1e-4);
            assertMatches("sequence decoding position 11", Arrays.copyOfRange(reference, 11 * vocab, 12 * vocab),
                    logits.get(2), vocab, 1e-4);
            float[] next = model.forward(new int[]{tokens[25]}, prefilling, false);
            assertMatches("prefilled sequence continues at position 25", Arrays.copyOfRange(reference, 25 * vocab, 26 * vocab),
                    next, vocab, 1e-4);
        }
    }
}
