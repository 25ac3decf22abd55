package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.Manifest;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.model.SyntheticCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code glint synth}: the BF16 checkpoint it always wrote, and in any format the quantized BF16 checkpoint. */
class SyntheticCheckpointTest {
    /** glm45-tiny's shape: 4 layers, hidden 96, 16 experts 48 wide (q4 groups of 16, left in BF16 by q8). */
    private static final Path CONFIG = Path.of("src/test/resources/fixtures/glm45-tiny/config.json");
    private static final long SEED = 3;
    /** Smaller than the embeddings and LM head in every format, so that those get shards of their own. */
    private static final long TINY_SHARD = 16 << 10;

    /** model.safetensors as synth wrote it before it could quantize, one tensor after another on one thread. */
    @Test
    void theBf16CheckpointIsByteForByteTheOneSynthAlwaysWrote(@TempDir Path dir) throws IOException {
        Map<Long, String> sha256BySeed = Map.of(
                0L, "659bc4a3a527dd6832c873fc10bb29d14bc377cc7115ceb9f4e72a5fba13f717",
                3L, "37eef79cdcbf096d91740c09c49fad75f33b9b7dc294e83f757d809b9c9b751e");
        for (Map.Entry<Long, String> expected : new TreeMap<>(sha256BySeed).entrySet()) {
            Path out = dir.resolve("seed" + expected.getKey());
            GlintCheckpoint.Written written = SyntheticCheckpoint.write(CONFIG, out, expected.getKey(),
                    QuantizationPlan.NONE, GlintCheckpoint.DEFAULT_SHARD_BYTES, 2, QuantizationProgress.NONE);
            assertEquals(List.of(Checkpoint.SINGLE_FILE), written.files());
            assertEquals(0, written.peakHeldBytes(), "quantized bytes held writing BF16");
            assertEquals(expected.getValue(), sha256(out.resolve(Checkpoint.SINGLE_FILE)),
                    "sha256 of model.safetensors for seed " + expected.getKey());
        }
    }

    /**
     * Synthesized in small shards, a checkpoint holds exactly the tensors (names, dtypes, shapes, bytes) and config
     * of {@code glint quantize} of the BF16 synth of the same seed, with an index of them all and a manifest that
     * verifies; it held one quantized matrix at a time, and it loads and runs.
     */
    @ParameterizedTest
    @EnumSource(QuantFormat.class)
    void aSynthesizedCheckpointIsTheQuantizedBf16One(QuantFormat format, @TempDir Path dir) throws IOException {
        QuantizationPlan plan = QuantizationPlan.defaults(format);
        Path bf16 = dir.resolve("bf16"), quantized = dir.resolve("quantized"), synthesized = dir.resolve("synthesized");
        SyntheticCheckpoint.write(CONFIG, bf16, SEED, QuantizationPlan.NONE, GlintCheckpoint.DEFAULT_SHARD_BYTES, 2,
                QuantizationProgress.NONE);
        GlintCheckpoint.write(bf16, quantized, plan, GlintCheckpoint.DEFAULT_SHARD_BYTES, 2, QuantizationProgress.NONE);
        GlintCheckpoint.Written written = SyntheticCheckpoint.write(CONFIG, synthesized, SEED, plan, TINY_SHARD, 2,
                QuantizationProgress.NONE);

        assertTrue(written.files().size() > 3, "shards of 16 KiB: " + written.files());
        assertEquals(Checkpoint.INDEX_FILE, written.files().getLast());
        assertEquals(Files.readString(quantized.resolve("config.json")),
                Files.readString(synthesized.resolve("config.json")), "config.json, quantization_config included");
        try (Checkpoint expected = Checkpoint.open(quantized); Checkpoint actual = Checkpoint.open(synthesized)) {
            assertEquals(expected.names(), actual.names(), "tensors synthesized");
            assertEquals(actual.names(), weightMap(synthesized).keySet(), "tensors the index maps");
            for (String name : expected.names()) {
                Tensor x = expected.tensor(name), y = actual.tensor(name);
                assertEquals(x.dtype(), y.dtype(), name);
                assertArrayEquals(x.shape(), y.shape(), name);
                long differsAt = x.data().mismatch(y.data());
                assertEquals(-1, differsAt, format.id() + " " + name + " differs from the quantized BF16 synth from "
                        + "byte " + differsAt + " of " + x.byteSize());
            }
        }
        Manifest manifest = Manifest.read(synthesized.resolve(Manifest.FILE_NAME));
        assertEquals(List.of(), manifest.verify(synthesized, bytes -> { }), "files whose sha256 is not the manifest's");

        long largest = 0;
        try (Checkpoint source = Checkpoint.open(bf16)) {
            for (Tensor t : PlanQuantizer.selected(source, plan)) {
                largest = Math.max(largest, plan.formatFor(t.name()).orElseThrow()
                        .layout((int) t.dim(0), (int) t.dim(1)).stream().mapToLong(Quantized.Layout::byteSize).sum());
            }
        }
        assertTrue(written.peakHeldBytes() > 0 && written.peakHeldBytes() <= largest, "quantized bytes held at once: "
                + written.peakHeldBytes() + ", the largest quantized matrix " + largest);

        try (Glm4Moe glm = Glm4Moe.load(synthesized, 2)) {
            float[] logits = GlintQuantizationTest.logits(glm);
            for (int i = 0; i < logits.length; i++) {
                assertTrue(Float.isFinite(logits[i]) && Math.abs(logits[i]) < 100, format.id() + " logit " + i + " is "
                        + logits[i]);
            }
        }
    }

    private static Map<String, String> weightMap(Path checkpoint) throws IOException {
        JsonNode index = new ObjectMapper().readTree(checkpoint.resolve(Checkpoint.INDEX_FILE).toFile());
        Map<String, String> weightMap = new TreeMap<>();
        index.get("weight_map").properties().forEach(entry -> weightMap.put(entry.getKey(), entry.getValue().asText()));
        return weightMap;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
