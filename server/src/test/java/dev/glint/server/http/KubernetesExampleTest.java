package dev.glint.server.http;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * packaging/kubernetes/glint.yaml against Kubernetes' own API schemas (kubernetes-models from the npm registry,
 * pinned in scripts/kubernetes-check), and a mutated copy to show the check refuses what the API would.
 */
class KubernetesExampleTest {
    private static final Path EXAMPLE = Path.of("../packaging/kubernetes/glint.yaml").toAbsolutePath().normalize();

    @Test
    void theExampleIsValidForTheKubernetesApiAndAnInvalidCopyIsNot() throws Exception {
        Path check = NodeClients.installed("kubernetes-check", "kubernetes-models");
        NodeClients.Result valid = NodeClients.run(check, Map.of(), 120, "node", "check.mjs", EXAMPLE.toString());
        assertEquals(0, valid.exitCode(), valid.output());
        for (String kind : new String[]{"PersistentVolumeClaim glint-models valid", "Deployment glint valid", "Service glint valid"}) {
            assertTrue(valid.output().contains(kind), valid.output());
        }
        String example = Files.readString(EXAMPLE);
        assertTrue(example.contains("path: /health") && example.contains("readOnly: true"), "readiness on /health, read-only model");

        Path broken = Files.createTempFile("glint-k8s", ".yaml");
        Files.writeString(broken, example.replace("replicas: 2", "replicas: \"two\""));
        NodeClients.Result invalid = NodeClients.run(check, Map.of(), 120, "node", "check.mjs", broken.toString());
        assertEquals(1, invalid.exitCode(), invalid.output());
        assertTrue(invalid.output().contains("spec/replicas must be integer"), invalid.output());
    }
}
