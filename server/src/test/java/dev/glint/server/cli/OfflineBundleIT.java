package dev.glint.server.cli;

import dev.glint.engine.checkpoint.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The offline bundle as an operator gets it: {@code scripts/package} builds it from the jar {@code package} made, it
 * is unpacked into an empty folder, every file matches its sha256sums line, and {@code bin/glint serve} answers with
 * no JDK on PATH and no JAVA_HOME — nothing but bash and three coreutils on PATH, in an environment otherwise empty.
 */
class OfflineBundleIT {
    @Test
    void unpackedWithoutAJdkItsFilesMatchTheirSumsAndItServes(@TempDir Path dir) throws Exception {
        Path project = Path.of("..").toAbsolutePath().normalize();
        run(dir, List.of(project.resolve("scripts/package").toString(), "--no-build", "--out", dir.resolve("dist").toString()), project);
        Path tarball;
        try (var files = Files.list(dir.resolve("dist"))) {
            tarball = files.filter(f -> f.getFileName().toString().matches("glint-.*-linux-x64\\.tar\\.gz")).findFirst().orElseThrow();
        }
        Path unpacked = Files.createDirectory(dir.resolve("unpacked"));
        run(dir, List.of("tar", "-xzf", tarball.toString(), "-C", unpacked.toString()), dir);
        Path bundle;
        try (var folders = Files.list(unpacked)) {
            bundle = folders.findFirst().orElseThrow();
        }

        Manifest sums = Manifest.read(bundle.resolve(Manifest.FILE_NAME));
        assertEquals(List.of(), sums.verify(bundle, bytes -> { }), "files that differ from sha256sums");
        assertTrue(sums.sha256().size() > 100, "sha256sums lists " + sums.sha256().size() + " files");

        Path path = Files.createDirectory(dir.resolve("path"));
        for (String tool : List.of("bash", "dirname", "readlink", "cat")) {
            Files.createSymbolicLink(path.resolve(tool), which(tool));
        }
        ProcessBuilder serve = new ProcessBuilder(bundle.resolve("bin/glint").toString(), "serve", "--port", "0", "--threads", "2")
                .directory(dir.toFile()).redirectErrorStream(true);
        serve.environment().clear();
        serve.environment().put("PATH", path.toString());
        serve.environment().put("HOME", dir.toString());
        Process server = serve.start();
        try {
            int port = ServingProcess.awaitPort(server);
            String answer = ServingProcess.post(port, "{\"messages\": [{\"role\": \"user\", \"content\": \"Name the capital of India.\"}], "
                    + "\"temperature\": 0, \"chat_template_kwargs\": {\"enable_thinking\": false}}");
            assertTrue(answer.startsWith("HTTP/1.1 200") && answer.contains("The capital of India is New Delhi."), answer);
        } finally {
            server.destroy();
            assertTrue(server.waitFor(40, TimeUnit.SECONDS), "the bundle's server did not stop on SIGTERM");
            // The links point outside the temporary folder, which JUnit would warn about when it deletes it.
            for (String tool : List.of("bash", "dirname", "readlink", "cat")) {
                Files.delete(path.resolve(tool));
            }
        }
    }

    private static void run(Path dir, List<String> command, Path workDir) throws Exception {
        Path log = Files.createTempFile(dir, "run", ".log");
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), command + " still running after 5 minutes");
        assertEquals(0, process.exitValue(), command + ": " + Files.readString(log));
    }

    private static Path which(String tool) {
        for (String folder : System.getenv("PATH").split(":")) {
            Path candidate = Path.of(folder, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(tool + " is not on PATH");
    }
}
