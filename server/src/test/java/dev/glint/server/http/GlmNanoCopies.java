package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Copies of glm-nano with one setting changed, for clients whose requests the plain model cannot serve as they come. */
final class GlmNanoCopies {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path NANO = Path.of("../models/glm-nano");
    /** Positions of {@link #longContext}. */
    static final int LONG_CONTEXT = 65536;

    private GlmNanoCopies() {
    }

    /**
     * glm-nano served past its trained 2,048 positions, for the coding agents' own prompts (10K–20K tokens): its
     * config allows 64K positions, as llama-server allows a longer context with a warning. Its answers there are
     * noise; the exchanges must still complete.
     */
    static Path longContext(Path dir) throws IOException {
        return copyInto(dir, "config.json", "max_position_embeddings", IntNode.valueOf(LONG_CONTEXT));
    }

    /**
     * glm-nano decoding greedily when a request names no temperature (its generation_config.json says 0), for
     * clients that send none, such as Claude Code, so that its answer does not depend on a random draw.
     */
    static Path greedy(Path dir) throws IOException {
        return copyInto(dir, "generation_config.json", "temperature", IntNode.valueOf(0));
    }

    /**
     * glm-nano whose generation_config.json names its stop token by text rather than id, which Glint refuses only
     * after the weights have loaded.
     */
    static Path stopTokenByName(Path dir) throws IOException {
        return copyInto(dir, "generation_config.json", "eos_token_id", TextNode.valueOf("<|user|>"));
    }

    private static Path copyInto(Path dir, String changed, String field, JsonNode value) throws IOException {
        try (var files = Files.list(NANO)) {
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals(changed)) {
                    Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
        }
        ObjectNode json = (ObjectNode) JSON.readTree(NANO.resolve(changed).toFile());
        Files.writeString(dir.resolve(changed), json.set(field, value).toString());
        return dir;
    }
}
