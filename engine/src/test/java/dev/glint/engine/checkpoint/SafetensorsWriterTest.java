package dev.glint.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;

    @TempDir
    Path dir;

    private static List<TensorSpec> mixedTensors() {
        return List.of(
                new TensorSpec("matrix", DType.F32, new long[] {2, 3},
                        s -> { for (int i = 0; i < 6; i++) s.setAtIndex(F32, i, i * 0.5f); }),
                new TensorSpec("bf16", DType.BF16, new long[] {3},
                        s -> { for (int i = 0; i < 3; i++) s.setAtIndex(BF16, i, (short) (0x3F80 + i)); }),
                new TensorSpec("ids", DType.I64, new long[] {2},
                        s -> { s.setAtIndex(I64, 0, -1L); s.setAtIndex(I64, 1, 1L << 40); }),
                new TensorSpec("bytes", DType.U8, new long[] {5}, s -> s.fill((byte) 7)),
                new TensorSpec("fp8", DType.F8_E4M3, new long[] {1, 3}, s -> s.fill((byte) 0x38)),
                new TensorSpec("scalar", DType.F32, new long[] {}, s -> s.set(F32, 0, 42f)),
                new TensorSpec("empty", DType.BF16, new long[] {0, 4}, s -> { }));
    }

    @Test
    void writtenTensorsReadBackWithTheirValuesShapesDtypesAndMetadata() {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, mixedTensors(), Map.of("format", "pt", "note", "ü"));
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st = SafetensorsFile.open(file, arena);
            assertEquals(Map.of("format", "pt", "note", "ü"), st.metadata(), "metadata");
            assertEquals(7, st.tensors().size(), "tensor count");

            Tensor matrix = st.tensor("matrix");
            assertEquals(DType.F32, matrix.dtype(), "dtype of matrix");
            assertArrayEquals(new long[] {2, 3}, matrix.shape(), "shape of matrix");
            assertArrayEquals(new float[] {0f, 0.5f, 1f, 1.5f, 2f, 2.5f}, matrix.data().toArray(F32), "matrix");
            assertArrayEquals(new short[] {0x3F80, 0x3F81, 0x3F82}, st.tensor("bf16").data().toArray(BF16), "bf16");
            assertArrayEquals(new long[] {-1L, 1L << 40}, st.tensor("ids").data().toArray(I64), "ids");
            assertArrayEquals(new byte[] {7, 7, 7, 7, 7}, st.tensor("bytes").data().toArray(ValueLayout.JAVA_BYTE), "bytes");
            Tensor fp8 = st.tensor("fp8");
            assertEquals(DType.F8_E4M3, fp8.dtype(), "dtype of fp8");
            assertEquals(3, fp8.dim(1), "second dimension of fp8");
            assertEquals(42f, st.tensor("scalar").data().get(F32, 0), "scalar");
            assertEquals(0, st.tensor("scalar").rank(), "rank of scalar");
            assertEquals(0, st.tensor("empty").byteSize(), "bytes of empty");
            assertTrue(matrix.data().isReadOnly(), "views of a checkpoint are read-only");
        }
    }

    @Test
    void headerIsSpacePaddedSoEveryTensorIsAlignedToItsElementSize() throws IOException {
        Path file = dir.resolve("aligned.safetensors");
        SafetensorsWriter.write(file, mixedTensors(), Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLength % 8, "header length " + headerLength + " is a multiple of 8");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertEquals(header.strip(), header.substring(0, header.lastIndexOf('}') + 1), "only spaces after the JSON");
        try (Arena arena = Arena.ofConfined()) {
            for (TensorInfo info : SafetensorsFile.open(file, arena).tensors().values()) {
                long elementBytes = Math.max(1, info.dtype().bits() / 8);
                assertEquals(0, (8 + headerLength + info.begin()) % elementBytes,
                        () -> info + " starts on a multiple of " + elementBytes);
            }
        }
    }

    @Test
    void tensorsAreLaidOutByDescendingElementSizeThenName() {
        Path file = dir.resolve("order.safetensors");
        SafetensorsWriter.write(file, mixedTensors(), Map.of());
        try (Arena arena = Arena.ofConfined()) {
            List<String> byOffset = SafetensorsFile.open(file, arena).tensors().values().stream()
                    .sorted(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end))
                    .map(TensorInfo::name)
                    .toList();
            assertEquals(List.of("ids", "matrix", "scalar", "bf16", "empty", "bytes", "fp8"), byOffset, "layout");
        }
    }

    @Test
    void nameUsedTwiceIsRefused() {
        List<TensorSpec> twice = List.of(new TensorSpec("w", DType.U8, new long[] {1}, s -> { }),
                new TensorSpec("w", DType.F32, new long[] {1}, s -> { }));
        Path file = dir.resolve("twice.safetensors");
        var e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(file, twice, Map.of()));
        assertTrue(e.getMessage().contains("tensor w"), () -> "message: " + e.getMessage());
    }

    @Test
    void failingFillLeavesNoFileBehind() {
        Path file = dir.resolve("broken.safetensors");
        List<TensorSpec> failing = List.of(new TensorSpec("w", DType.F32, new long[] {4}, s -> {
            throw new IllegalStateException("generator failed");
        }));
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(file, failing, Map.of()));
        assertFalse(Files.exists(file), file + " still exists");
    }

    @Test
    void indexIsWrittenInHuggingFaceForm() throws IOException {
        SafetensorsWriter.writeIndex(dir, Map.of("b", "mtp.safetensors", "a", "model-00001-of-00001.safetensors"), 1234);
        JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
        assertEquals(1234, index.path("metadata").path("total_size").asLong(), "total_size");
        assertEquals("mtp.safetensors", index.path("weight_map").path("b").asText(), "file of b");
        assertEquals("model-00001-of-00001.safetensors", index.path("weight_map").path("a").asText(), "file of a");
        assertEquals(List.of("a", "b"), index.path("weight_map").properties().stream().map(Map.Entry::getKey).toList(),
                "weight_map is sorted");
    }

    /** A file past 2 GiB, sparse on disk: offsets and sizes must stay long from writer to view. */
    @Test
    void tensorBeyondTwoGibibytesRoundTrips() throws IOException {
        long big = (1L << 31) + 4096;
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        SafetensorsWriter.write(file, List.of(
                new TensorSpec("a_big", DType.U8, new long[] {big}, s -> s.set(ValueLayout.JAVA_BYTE, big - 1, (byte) 9)),
                new TensorSpec("b_tail", DType.U8, new long[] {8}, s -> s.fill((byte) 5))), Map.of());
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertTrue(checkpoint.bytesMapped() > big + 8, "bytes mapped " + checkpoint.bytesMapped());
            MemorySegment tail = checkpoint.tensor("b_tail", 8).data();
            assertArrayEquals(new byte[] {5, 5, 5, 5, 5, 5, 5, 5}, tail.toArray(ValueLayout.JAVA_BYTE), "b_tail");
            assertEquals(9, checkpoint.tensor("a_big", big).data().get(ValueLayout.JAVA_BYTE, big - 1), "last byte of a_big");
        } finally {
            Files.delete(file);
        }
    }
}
