package dev.glint.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoint writer of {@code glint synth} and {@code glint quantize} as a process killed with SIGKILL: it writes
 * into a hidden sibling folder and renames it last, so a killed run leaves nothing that could load as a checkpoint at
 * {@code --out}, and the next run into the same folder writes it whole.
 */
class CheckpointWriterProcessTest {
    @Test
    void killedMidWriteLeavesNothingAtOutAndTheNextRunWritesItWhole(@TempDir Path dir) throws Exception {
        // 0.25 GB of q4 weights in 15 shards of 16 MiB: a few seconds of writing, killed when the first shard appears.
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(Path.of("../models/glm-nano/config.json").toFile());
        config.put("hidden_size", 1024).put("num_attention_heads", 8).put("num_key_value_heads", 2).put("head_dim", 128)
                .put("intermediate_size", 2048).put("moe_intermediate_size", 512).put("num_hidden_layers", 8)
                .put("n_routed_experts", 32).put("num_experts_per_tok", 4);
        Path configFile = dir.resolve("config.json");
        Files.writeString(configFile, config.toString());
        Path out = dir.resolve("q4");
        Path partial = dir.resolve(".q4.partial");
        List<String> synth = List.of("synth", "--config", configFile.toString(), "--out", out.toString(), "--format", "q4",
                "--shard-size", "16m", "--threads", "2");

        Run killed = glint(dir, synth);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (shards(partial) == 0) {
            assertTrue(killed.process().isAlive(), "synth ended before writing a shard: " + killed.output());
            assertTrue(System.nanoTime() < deadline, "no shard written in 60 s: " + killed.output());
            Thread.sleep(5);
        }
        killed.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertEquals(137, killed.process().exitValue(), "killed by SIGKILL");
        assertFalse(Files.exists(out), "a killed run left " + out);
        System.out.printf("synth killed with %d of 15 shards in %s; nothing at %s%n", shards(partial), partial.getFileName(),
                out.getFileName());

        Run again = glint(dir, synth);
        assertTrue(again.process().waitFor(120, TimeUnit.SECONDS), "the second synth did not finish");
        assertEquals(0, again.process().exitValue(), again.output());
        assertFalse(Files.exists(partial), "the killed run's folder is left behind");
        assertEquals(15, shards(out));
        Run verify = glint(dir, List.of("verify", "--model", out.toString()));
        assertTrue(verify.process().waitFor(60, TimeUnit.SECONDS), "verify did not finish");
        String verified = verify.output();
        assertEquals(0, verify.process().exitValue(), verified);
        assertTrue(verified.contains("18 of 18 files"), verified); // 15 shards, the index, config and generation config
    }

    /** A {@code glint} process and the file its output goes to (a pipe nobody read could fill and stall it). */
    private record Run(Process process, Path log) {
        String output() throws IOException {
            return String.join(" ", process.info().arguments().map(List::of).orElse(List.of())) + ":\n"
                    + Files.readString(log, StandardCharsets.UTF_8);
        }
    }

    /** {@code glint ARGS}, its output into a log file in {@code dir}. */
    private static Run glint(Path dir, List<String> args) throws IOException {
        Path log = Files.createTempFile(dir, args.getFirst(), ".log");
        return new Run(GlintProcess.of(args).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
    }

    private static long shards(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".safetensors")).count();
        }
    }
}
