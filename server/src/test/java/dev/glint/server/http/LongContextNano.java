package dev.glint.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * glm-nano served past its trained 2,048 positions, for the coding agents' own prompts (10K–20K tokens): a copy whose
 * config allows 64K positions, as llama-server allows a longer context with a warning. Its answers there are noise;
 * the exchanges must still complete.
 */
final class LongContextNano {
    static final int POSITIONS = 65536;

    private LongContextNano() {
    }

    static Path copyInto(Path dir) throws IOException {
        Path nano = Path.of("../models/glm-nano");
        try (var files = Files.list(nano)) {
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals("config.json")) {
                    Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
        }
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(nano.resolve("config.json").toFile());
        Files.writeString(dir.resolve("config.json"), config.put("max_position_embeddings", POSITIONS).toString());
        return dir;
    }
}
