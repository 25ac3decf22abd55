package dev.glint.server.http;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real clients from the npm registry, pinned by a lock file under scripts/, run against a test server with the
 * Node.js and npm that scripts/node/ensure pins and installs.
 */
final class NodeClients {
    private static final Path SCRIPTS = Path.of("../scripts").toAbsolutePath().normalize();
    private static String nodeBin;

    private NodeClients() {
    }

    /** The pinned Node.js's bin folder, installed on first use. */
    private static synchronized String nodeBin() throws IOException, InterruptedException {
        if (nodeBin == null) {
            Result ensure = run(SCRIPTS.resolve("node"), Map.of(), 300, "bash", "ensure");
            assertEquals(0, ensure.exitCode(), "scripts/node/ensure:\n" + ensure.output());
            String[] lines = ensure.output().strip().split("\n");
            nodeBin = lines[lines.length - 1];
        }
        return nodeBin;
    }

    /** The client folder with its packages installed ({@code npm ci}). */
    static Path installed(String folder, String probe) throws IOException, InterruptedException {
        Path dir = SCRIPTS.resolve(folder);
        nodeBin();
        if (!Files.exists(dir.resolve("node_modules").resolve(probe))) {
            Result install = run(dir, Map.of(), 600, "npm", "ci", "--no-audit", "--no-fund");
            assertEquals(0, install.exitCode(), "npm ci in " + dir + ":\n" + install.output());
        }
        return dir;
    }

    record Result(int exitCode, String output) {
    }

    /**
     * Runs a command in {@code dir} with extra environment and the pinned Node.js first on the PATH, stdout and
     * stderr together; fails the test on timeout.
     */
    static Result run(Path dir, Map<String, String> environment, int timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(command));
        if (nodeBin != null && Files.isExecutable(Path.of(nodeBin, line.getFirst()))) {
            // A program is looked up on this JVM's PATH, not the child's: name the pinned one.
            line.set(0, Path.of(nodeBin, line.getFirst()).toString());
        }
        ProcessBuilder builder = new ProcessBuilder(line).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        if (nodeBin != null) {
            builder.environment().put("PATH", nodeBin + File.pathSeparator + System.getenv("PATH"));
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        }
        process.getOutputStream().close();
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes()));
            } catch (IOException ignored) {
                // the process died; its exit code tells
            }
        });
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        reader.join(5_000);
        assertTrue(exited, String.join(" ", command) + " ran past " + timeoutSeconds + " s:\n" + output);
        return new Result(process.exitValue(), output.toString());
    }
}
