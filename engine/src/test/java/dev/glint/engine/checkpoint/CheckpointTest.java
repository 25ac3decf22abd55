package dev.glint.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final String SHARD_1 = "model-00001-of-00002.safetensors";
    private static final String SHARD_2 = "model-00002-of-00002.safetensors";
    private static final String MTP = "mtp.safetensors";

    @TempDir
    Path dir;

    /** An F32 tensor whose element i holds {@code first + i}. */
    private static TensorSpec counting(String name, float first, long... shape) {
        return new TensorSpec(name, DType.F32, shape, s -> {
            for (long i = 0; i < s.byteSize() / 4; i++) {
                s.setAtIndex(F32, i, first + i);
            }
        });
    }

    private static TensorSpec bytes(String name, DType dtype, long n) {
        return new TensorSpec(name, dtype, new long[] {n}, s -> s.fill((byte) 1));
    }

    private void write(String file, TensorSpec... tensors) {
        SafetensorsWriter.write(dir.resolve(file), List.of(tensors), Map.of("format", "pt"));
    }

    /** Two model shards and GLM-4.6's oddly named MTP shard, plus the index that ties them together. */
    private Map<String, String> writeShardedCheckpoint() {
        write(SHARD_1, counting("model.embed_tokens.weight", 0, 4, 2), counting("model.layers.0.w", 100, 3));
        write(SHARD_2, counting("lm_head.weight", 200, 4, 2), bytes("model.layers.0.ids", DType.I32, 2));
        write(MTP, counting("model.layers.1.eh_proj.weight", 300, 2, 4));
        Map<String, String> weightMap = new LinkedHashMap<>();
        weightMap.put("model.embed_tokens.weight", SHARD_1);
        weightMap.put("model.layers.0.w", SHARD_1);
        weightMap.put("lm_head.weight", SHARD_2);
        weightMap.put("model.layers.0.ids", SHARD_2);
        weightMap.put("model.layers.1.eh_proj.weight", MTP);
        SafetensorsWriter.writeIndex(dir, weightMap, 32 + 12 + 32 + 8 + 32);
        return weightMap;
    }

    private static void assertMessage(CheckpointException e, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "message lacks \"" + fragment + "\": " + e.getMessage());
        }
    }

    private CheckpointException refusal() {
        return assertThrows(CheckpointException.class, () -> Checkpoint.open(dir).close(), () -> dir + " was accepted");
    }

    @Test
    void singleFileCheckpointListsAndReadsItsTensors() throws IOException {
        write(Checkpoint.SINGLE_FILE, counting("b", 10, 2, 3), counting("a", 0, 4), bytes("c", DType.BF16, 6));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(checkpoint.names()), "names, sorted");
            assertTrue(checkpoint.contains("b"), "contains b");
            assertFalse(checkpoint.contains("d"), "contains d");
            Tensor b = checkpoint.tensor("b", 2, 3);
            assertEquals(15f, b.data().getAtIndex(F32, 5), "last element of b");
            assertEquals(dir.resolve(Checkpoint.SINGLE_FILE), b.file(), "file of b");
            assertEquals(dir, checkpoint.directory(), "directory");
            assertEquals(List.of(dir.resolve(Checkpoint.SINGLE_FILE)), checkpoint.files(), "files");
            assertEquals(Files.size(dir.resolve(Checkpoint.SINGLE_FILE)), checkpoint.bytesMapped(), "bytes mapped");
            assertEquals(Map.of(DType.F32, 40L, DType.BF16, 12L), checkpoint.bytesByDType(), "bytes by dtype");
        }
    }

    @Test
    void shardedCheckpointIsReadThroughItsIndexIncludingAnOddlyNamedShard() throws IOException {
        writeShardedCheckpoint();
        // Neither a stray corrupt file nor a model.safetensors may be read when there is an index.
        RawSafetensors.write(dir.resolve("model-00003-of-00003.safetensors"), new byte[3]);
        RawSafetensors.write(dir.resolve(Checkpoint.SINGLE_FILE), new byte[3]);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(List.of("lm_head.weight", "model.embed_tokens.weight", "model.layers.0.ids",
                    "model.layers.0.w", "model.layers.1.eh_proj.weight"), List.copyOf(checkpoint.names()), "names");
            assertEquals(List.of(dir.resolve(SHARD_1), dir.resolve(SHARD_2), dir.resolve(MTP)), checkpoint.files(),
                    "files");
            Tensor ehProj = checkpoint.tensor("model.layers.1.eh_proj.weight", 2, 4);
            assertEquals(dir.resolve(MTP), ehProj.file(), "file of eh_proj");
            assertEquals(307f, ehProj.data().getAtIndex(F32, 7), "last element of eh_proj");
            assertEquals(203f, checkpoint.tensor("lm_head.weight").data().getAtIndex(F32, 3), "lm_head[1][1]");
            assertEquals(102f, checkpoint.tensor("model.layers.0.w").data().getAtIndex(F32, 2), "w[2]");
            long shardBytes = Files.size(dir.resolve(SHARD_1)) + Files.size(dir.resolve(SHARD_2))
                    + Files.size(dir.resolve(MTP));
            assertEquals(shardBytes, checkpoint.bytesMapped(), "bytes mapped");
            assertEquals(Map.of(DType.F32, 108L, DType.I32, 8L), checkpoint.bytesByDType(), "bytes by dtype");
        }
    }

    @Test
    void shardNamedInTheIndexButAbsentIsRefused() throws IOException {
        writeShardedCheckpoint();
        Files.delete(dir.resolve(MTP));
        assertMessage(refusal(), Checkpoint.INDEX_FILE, "model.layers.1.eh_proj.weight", MTP, "does not exist");
    }

    @Test
    void tensorMissingFromTheShardTheIndexNamesIsRefused() {
        Map<String, String> weightMap = writeShardedCheckpoint();
        weightMap.put("model.layers.0.w", SHARD_2);
        SafetensorsWriter.writeIndex(dir, weightMap, 0);
        assertMessage(refusal(), "model.layers.0.w", SHARD_2 + " has no such tensor", "it is in " + SHARD_1);
    }

    @Test
    void tensorInTwoShardsIsRefused() {
        writeShardedCheckpoint();
        write(MTP, counting("model.layers.1.eh_proj.weight", 300, 2, 4), counting("lm_head.weight", 0, 4, 2));
        assertMessage(refusal(), "lm_head.weight", "twice", SHARD_2, MTP);
    }

    @Test
    void shardOutsideTheDirectoryIsRefused() {
        Map<String, String> weightMap = writeShardedCheckpoint();
        weightMap.put("lm_head.weight", "../" + SHARD_2);
        SafetensorsWriter.writeIndex(dir, weightMap, 0);
        assertMessage(refusal(), "lm_head.weight", "outside the checkpoint directory");
    }

    @Test
    void corruptShardIsRefusedNamingIt() {
        writeShardedCheckpoint();
        RawSafetensors.write(dir.resolve(MTP), new byte[5]);
        assertMessage(refusal(), MTP, "too short");
    }

    @Test
    void indexThatIsNotJsonIsRefused() throws IOException {
        writeShardedCheckpoint();
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {");
        assertMessage(refusal(), Checkpoint.INDEX_FILE, "not valid JSON");
    }

    @Test
    void indexWithoutAWeightMapIsRefused() throws IOException {
        writeShardedCheckpoint();
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\": {\"total_size\": 1}}");
        assertMessage(refusal(), Checkpoint.INDEX_FILE, "weight_map");
    }

    @Test
    void indexMappingATensorToANonStringIsRefused() throws IOException {
        writeShardedCheckpoint();
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {\"lm_head.weight\": 2}}");
        assertMessage(refusal(), Checkpoint.INDEX_FILE, "lm_head.weight", "file name");
    }

    @Test
    void directoryWithoutACheckpointIsRefusedNamingIt() {
        assertMessage(refusal(), dir.toString(), Checkpoint.INDEX_FILE, Checkpoint.SINGLE_FILE);
    }

    @Test
    void missingDirectoryIsRefused() {
        Path absent = dir.resolve("absent");
        var e = assertThrows(CheckpointException.class, () -> Checkpoint.open(absent));
        assertMessage(e, absent.toString(), "not a directory");
    }

    @Test
    void absentTensorIsRefusedNamingCheckpointAndTensor() {
        write(Checkpoint.SINGLE_FILE, counting("a", 0, 4));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertMessage(assertThrows(CheckpointException.class, () -> checkpoint.tensor("b")),
                    "checkpoint " + dir + " has no tensor b");
        }
    }

    @Test
    void tensorOfAnotherShapeIsRefusedShowingBothShapes() {
        write(Checkpoint.SINGLE_FILE, counting("a", 0, 2, 3));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertMessage(assertThrows(CheckpointException.class, () -> checkpoint.tensor("a", 3, 2)),
                    "tensor a", Checkpoint.SINGLE_FILE, "shape [2, 3]", "expected [3, 2]");
            assertMessage(assertThrows(CheckpointException.class, () -> checkpoint.tensor("a", 6)), "expected [6]");
        }
    }

    @Test
    void unsupportedDtypeIsListedButItsDataIsRefused() {
        write(Checkpoint.SINGLE_FILE, bytes("fp8", DType.F8_E5M2, 4), counting("a", 0, 1));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertTrue(checkpoint.contains("fp8"), "contains fp8");
            assertEquals(4L, checkpoint.bytesByDType().get(DType.F8_E5M2), "F8_E5M2 bytes");
            assertMessage(assertThrows(CheckpointException.class, () -> checkpoint.tensor("fp8")),
                    "tensor fp8", Checkpoint.SINGLE_FILE, "F8_E5M2", "does not support", DType.supportedNames());
        }
    }

    @Test
    void closingUnmapsEveryTensor() {
        write(Checkpoint.SINGLE_FILE, counting("a", 0, 4));
        MemorySegment data;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            data = checkpoint.tensor("a").data();
            assertArrayEquals(new float[] {0, 1, 2, 3}, data.toArray(F32), "a while open");
        }
        assertThrows(IllegalStateException.class, () -> data.get(F32, 0), "reading a after close");
    }
}
