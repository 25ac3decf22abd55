package dev.glint.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code glint ARGS} as a process of its own, on this build's classes and the JVM flags the launcher gives it. */
final class GlintProcess {
    private GlintProcess() {
    }

    static ProcessBuilder of(List<String> args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Glint.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command);
    }
}
