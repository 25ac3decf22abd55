package dev.glint.engine.model;

import dev.glint.engine.kv.KvCache;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.glint.engine.model.ReferenceLogits.argmax;
import static dev.glint.engine.model.ReferenceLogits.assertMatches;
import static dev.glint.engine.model.ReferenceLogits.fixture;
import static dev.glint.engine.model.ReferenceLogits.floats;
import static dev.glint.engine.model.ReferenceLogits.intArray;
import static dev.glint.engine.model.ReferenceLogits.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Logits of the tiny random GLM-4.5 / 4.5-Air / variant / GLM-4.6 checkpoints against llama.cpp (F32, which an
 * independent float64 implementation reproduces to 4e-6). Plausible mistakes move logits by 0.6 or more, so the
 * tolerance is tight.
 */
class Glm4MoeFixtureTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"glm45-tiny", "air-tiny", "variant-tiny", "glm46-long"})
    void batchLogitsMatchLlamaCpp(String name) throws IOException {
        checkAgainstLlamaCpp(name, false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"glm45-tiny", "air-tiny", "variant-tiny", "glm46-long"})
    void incrementalLogitsMatchLlamaCpp(String name) throws IOException {
        checkAgainstLlamaCpp(name, true);
    }

    /** All of the fixture's tokens in one batch, or one at a time through the KV cache. */
    private static void checkAgainstLlamaCpp(String name, boolean incremental) throws IOException {
        Path dir = fixture(name);
        int[] tokens = intArray(dir.resolve("tokens.json"));
        float[] expected = floats(dir.resolve("logits.f32"));
        try (Glm4Moe model = Glm4Moe.load(dir, 2); KvCache cache = model.newCache(tokens.length)) {
            int vocab = model.config().vocabSize();
            float[] logits;
            if (incremental) {
                logits = new float[tokens.length * vocab];
                for (int t = 0; t < tokens.length; t++) {
                    System.arraycopy(model.forward(new int[]{tokens[t]}, cache, false), 0, logits, t * vocab, vocab);
                }
            } else {
                logits = model.forward(tokens, cache, true);
            }
            String mode = incremental ? "incremental" : "batch";
            double error = assertMatches(name + " " + mode, expected, logits, vocab, TOLERANCE);
            System.out.printf("%s %s: %d positions, max |logit - llama.cpp| = %.3g%n", name, mode, tokens.length, error);
        }
    }

    @Test
    void greedyContinuationMatchesLlamaCpp() throws IOException {
        Path dir = fixture("glm45-tiny");
        int[] prompt = intArray(dir.resolve("tokens.json"));
        var greedy = json(dir.resolve("greedy.json"));
        int[] expected = intArray(greedy.get("generated"));
        float[] expectedStepLogits = floats(dir.resolve("greedy_logits.f32"));
        try (Glm4Moe model = Glm4Moe.load(dir, 2); KvCache cache = model.newCache(prompt.length + expected.length)) {
            int vocab = model.config().vocabSize();
            float[] logits = model.forward(prompt, cache, false);
            int[] generated = new int[expected.length];
            float[] stepLogits = new float[expected.length * vocab];
            for (int s = 0; s < expected.length; s++) {
                generated[s] = argmax(logits, 0, vocab);
                logits = model.forward(new int[]{generated[s]}, cache, false);
                System.arraycopy(logits, 0, stepLogits, s * vocab, vocab);
            }
            assertArrayEquals(expected, generated, "greedy continuation, got " + Arrays.toString(generated));
            double error = assertMatches("glm45-tiny greedy steps", expectedStepLogits, stepLogits, vocab, TOLERANCE);
            System.out.printf("glm45-tiny greedy: %d tokens equal, step logits max error %.3g%n", expected.length, error);
        }
    }

    /**
     * 8192 tokens at rope_theta 1e6: RoPE and attention errors that short prompts hide show up here. In one batch, and
     * in chunks of 1000 (not a whole number of blocks) through the paged cache, as a server prefills.
     */
    @ParameterizedTest
    @ValueSource(ints = {8192, 1000})
    void eightThousandTokenPromptMatchesLlamaCppAtTheKeptPositions(int chunk) throws IOException {
        Path dir = fixture("long-8k");
        int[] tokens = intArray(dir.resolve("tokens.json"));
        int[] positions = intArray(dir.resolve("positions.json"));
        float[] expected = floats(dir.resolve("logits.f32"));
        try (Glm4Moe model = Glm4Moe.load(dir, 2); KvCache cache = model.newCache(tokens.length)) {
            int vocab = model.config().vocabSize();
            float[] logits = new float[tokens.length * vocab];
            for (int from = 0; from < tokens.length; from += chunk) {
                int[] part = Arrays.copyOfRange(tokens, from, Math.min(tokens.length, from + chunk));
                System.arraycopy(model.forward(part, cache, true), 0, logits, from * vocab, part.length * vocab);
            }
            float[] kept = new float[positions.length * vocab];
            for (int r = 0; r < positions.length; r++) {
                System.arraycopy(logits, positions[r] * vocab, kept, r * vocab, vocab);
            }
            String mode = chunk == tokens.length ? "batch" : "chunks of " + chunk;
            double error = assertMatches("long-8k " + mode, expected, kept, vocab, TOLERANCE);
            System.out.printf("long-8k %s: %d tokens, %d kept positions, max |logit - llama.cpp| = %.3g%n",
                    mode, tokens.length, positions.length, error);
        }
    }
}
