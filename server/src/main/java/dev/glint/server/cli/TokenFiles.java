package dev.glint.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;

/** Token id files: a JSON array of integers. */
final class TokenFiles {
    private TokenFiles() {
    }

    static int[] read(Path file) throws IOException {
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not readable JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new IllegalArgumentException(file + " must hold a non-empty JSON array of token ids");
        }
        int[] ids = new int[node.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = node.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                throw new IllegalArgumentException(file + ": element " + i + " is " + id + ", not a token id");
            }
            ids[i] = id.intValue();
        }
        return ids;
    }
}
