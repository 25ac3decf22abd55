package dev.glint.server.http;

import dev.glint.engine.model.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What loading a model folder for serving leaves behind when part of the folder is refused. */
class ServedModelTest {
    @Test
    void aGenerationConfigRefusedAfterTheWeightsLoadedClosesTheModel(@TempDir Path dir) throws Exception {
        Path folder = GlmNanoCopies.stopTokenByName(dir);
        Set<Thread> workersBefore = workersSince(Set.of());
        ConfigException refused = assertThrows(ConfigException.class,
                () -> ServedModel.load(folder, new ServedModel.Options("glm-nano", 3, 2048, 1, 256, 0)));
        assertTrue(refused.getMessage().contains("eos_token_id"), refused.getMessage());
        // A closed model's worker threads see the pool closed and end; a leaked model's stay parked for good.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Set<Thread> leaked = workersSince(workersBefore);
        while (!leaked.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
            leaked = workersSince(workersBefore);
        }
        assertEquals(Set.of(), leaked, "worker threads of the model loaded before the refusal still run");
    }

    /** Models' worker threads alive now that were not in {@code before}. */
    private static Set<Thread> workersSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("glint-worker-") && !before.contains(thread))
                .collect(Collectors.toSet());
    }
}
