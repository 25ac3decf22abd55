package dev.glint.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.eval.EvalSet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Reads llama.cpp's reference logits and compares Glint's with them, reporting the worst element. */
public final class ReferenceLogits {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceLogits() {
    }

    public static Path fixture(String name) {
        return Path.of("src/test/resources/fixtures", name);
    }

    public static int[] intArray(Path file) throws IOException {
        JsonNode node = JSON.readTree(file.toFile());
        return intArray(node);
    }

    static int[] intArray(JsonNode node) {
        return EvalSet.ids(node);
    }

    static JsonNode json(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    public static float[] floats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Asserts every |actual − expected| ≤ tolerance and the same argmax at every position; returns the max abs error.
     */
    static double assertMatches(String what, float[] expected, float[] actual, int vocab, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": number of logits");
        double maxError = 0;
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs((double) actual[i] - expected[i]);
            if (!(error <= maxError)) {
                maxError = error;
                worst = i;
            }
        }
        if (!(maxError <= tolerance)) {
            fail(String.format("%s: max |logit - reference| = %.3g > %.1g at position %d, token %d (%.6f vs %.6f)",
                    what, maxError, tolerance, worst / vocab, worst % vocab, actual[worst], expected[worst]));
        }
        for (int p = 0; p < expected.length / vocab; p++) {
            int want = argmax(expected, p * vocab, vocab);
            int got = argmax(actual, p * vocab, vocab);
            if (want != got) {
                fail(what + ": argmax at position " + p + " is " + got + ", reference says " + want);
            }
        }
        return maxError;
    }
}
