package dev.glint.server.http;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real clients from the npm registry, pinned by a lock file under scripts/, run against a test server. */
final class NodeClients {
    private NodeClients() {
    }

    /** The client folder with its packages installed ({@code npm ci}); skips the test where node is missing. */
    static Path installed(String folder, String probe) throws IOException, InterruptedException {
        Path dir = Path.of("../scripts", folder).toAbsolutePath().normalize();
        Assumptions.assumeTrue(run(dir, Map.of(), 60, "node", "--version").exitCode() == 0, "node is not installed");
        if (!Files.exists(dir.resolve("node_modules").resolve(probe))) {
            Result install = run(dir, Map.of(), 600, "npm", "ci", "--no-audit", "--no-fund");
            assertEquals(0, install.exitCode(), "npm ci in " + dir + ":\n" + install.output());
        }
        return dir;
    }

    record Result(int exitCode, String output) {
    }

    /** Runs a command in {@code dir} with extra environment, stdout and stderr together; fails the test on timeout. */
    static Result run(Path dir, Map<String, String> environment, int timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
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
