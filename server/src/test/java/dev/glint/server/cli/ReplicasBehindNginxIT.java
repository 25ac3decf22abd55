package dev.glint.server.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/replicas-e2e at its small scale: two replicas behind nginx, one killed with SIGKILL mid-run and restarted.
 * It fails when a request that was not streaming on the killed replica fails; the report goes to the test's output.
 * Where nginx cannot be installed (no apt-get as root), the test is skipped and says so.
 */
class ReplicasBehindNginxIT {
    @Test
    void onlyStreamsRunningOnAKilledReplicaFail() throws IOException, InterruptedException {
        Path project = Path.of("..").toAbsolutePath().normalize();
        Path report = Files.createTempFile("replicas-e2e", ".txt");
        Process run = new ProcessBuilder(project.resolve("scripts/replicas-e2e").toString()).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(report.toFile()).start();
        // Installing nginx takes at most 300 s (the script bounds apt-get), the measurements about 30 s.
        assertTrue(run.waitFor(8, TimeUnit.MINUTES), "replicas-e2e still running after 8 minutes");
        String output = Files.readString(report);
        System.out.println(output);
        Assumptions.assumeFalse(run.exitValue() == 3, "nginx is not available: " + output);
        assertEquals(0, run.exitValue(), output);
        assertTrue(output.contains("failover: "), output);
    }
}
