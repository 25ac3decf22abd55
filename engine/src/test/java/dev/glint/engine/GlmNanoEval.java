package dev.glint.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** glm-nano, the embedded model, and its eval.json as the tests read them. */
public final class GlmNanoEval {
    public static final Path MODEL = Path.of("../models/glm-nano");

    private GlmNanoEval() {
    }

    /** The 502 held-out items: messages, tools, prompt and its ids, the reference's output ids and parse. */
    public static JsonNode items() {
        try {
            return new ObjectMapper().readTree(MODEL.resolve("eval.json").toFile()).get("items");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
