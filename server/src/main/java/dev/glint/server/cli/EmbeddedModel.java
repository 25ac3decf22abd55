package dev.glint.server.cli;

import java.nio.file.Path;

/** glm-nano, shipped in the project's models/ folder; the launcher tells where the project is. */
final class EmbeddedModel {
    private EmbeddedModel() {
    }

    static Path directory() {
        return Path.of(System.getProperty("glint.home", "."), "models", "glm-nano");
    }
}
