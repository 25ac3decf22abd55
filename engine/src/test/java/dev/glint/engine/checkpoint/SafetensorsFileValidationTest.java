package dev.glint.engine.checkpoint;

import static dev.glint.engine.checkpoint.RawSafetensors.entry;
import static dev.glint.engine.checkpoint.RawSafetensors.header;
import static dev.glint.engine.checkpoint.RawSafetensors.rawEntry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every rule a safetensors file must obey, each shown by a file that breaks it. */
class SafetensorsFileValidationTest {

    @TempDir
    Path dir;

    private Path file(String header, int bufferBytes) {
        return RawSafetensors.write(dir.resolve("bad.safetensors"), header, bufferBytes);
    }

    /** Asserts that opening is refused with a message naming the file and holding every fragment. */
    private static void assertRefused(Path file, String... fragments) {
        CheckpointException refusal;
        try (Arena arena = Arena.ofConfined()) {
            refusal = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file, arena),
                    () -> file + " was accepted");
        }
        String message = refusal.getMessage();
        assertTrue(message.contains(file.getFileName().toString()), () -> "message does not name the file: " + message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), () -> "message lacks \"" + fragment + "\": " + message);
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 7})
    void fileShorterThanTheLengthFieldIsRefused(int size) {
        Path file = RawSafetensors.write(dir.resolve("short.safetensors"), new byte[size]);
        assertRefused(file, "only " + size + " bytes", "too short");
    }

    @Test
    void headerLengthPastTheEndOfTheFileIsRefused() {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        Path file = RawSafetensors.write(dir.resolve("cut.safetensors"), 100, header, 0);
        assertRefused(file, "100-byte header", "only 2 bytes follow", "truncated");
    }

    @ParameterizedTest(name = "declared length {0}")
    @CsvSource({"100000001, 100000001", "-1, 18446744073709551615"})
    void headerLengthOverTheLimitIsRefused(long declared, String shown) {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        Path file = RawSafetensors.write(dir.resolve("huge.safetensors"), declared, header, 0);
        assertRefused(file, shown + "-byte header", "limit");
    }

    @Test
    void headerThatIsNotUtf8IsRefused() {
        byte[] header = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        header[2] = (byte) 0xFF;
        Path file = RawSafetensors.write(dir.resolve("latin.safetensors"), header.length, header, 0);
        assertRefused(file, "UTF-8");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"a\":{\"dtype\":\"F32\",", "{} trailing", "{\"a\" 1}"})
    void headerThatIsNotJsonIsRefused(String header) {
        assertRefused(file(header, 0), "not valid JSON");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"[1, 2]", "\"text\"", "        ", " {}"})
    void headerThatIsNotAJsonObjectIsRefused(String header) {
        assertRefused(file(header, 0), "not a JSON object");
    }

    @Test
    void tensorListedTwiceInOneHeaderIsRefused() {
        String header = header(entry("twice", "U8", "4", 0, 4), entry("twice", "U8", "4", 4, 8));
        assertRefused(file(header, 8), "twice", "Duplicate");
    }

    @ParameterizedTest(name = "without {0}")
    @ValueSource(strings = {"dtype", "shape", "data_offsets"})
    void entryMissingAFieldIsRefused(String field) {
        String body = "{" + String.join(",", List.of("\"dtype\":\"F32\"", "\"shape\":[2]", "\"data_offsets\":[0,8]")
                .stream().filter(part -> !part.startsWith("\"" + field + "\"")).toList()) + "}";
        assertRefused(file(header(rawEntry("w", body)), 8), "tensor w", "missing \"" + field + "\"");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "entry   | \"F32\"                                                    | entry",
        "dtype   | {\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}           | \"dtype\"",
        "dtype   | {\"dtype\":null,\"shape\":[2],\"data_offsets\":[0,8]}         | \"dtype\"",
        "shape   | {\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}    | \"shape\"",
        "shape   | {\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}    | \"shape\"",
        "shape   | {\"dtype\":\"F32\",\"shape\":[[2]],\"data_offsets\":[0,8]}    | \"shape\"",
        "offsets | {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}        | \"data_offsets\"",
        "offsets | {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}    | \"data_offsets\"",
        "offsets | {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{\"0\":8}}  | \"data_offsets\"",
        "offsets | {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,\"8\"]}  | \"data_offsets\"",
    })
    void entryWithAFieldOfTheWrongJsonTypeIsRefused(String what, String body, String field) {
        assertRefused(file(header(rawEntry("w", body)), 8), "tensor w", "wrong type", field);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "shape   | {\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}",
        "offsets | {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}",
    })
    void negativeNumbersAreRefused(String what, String body) {
        assertRefused(file(header(rawEntry("w", body)), 8), "tensor w", "negative");
    }

    @Test
    void numberBeyondSixtyFourBitsIsRefused() {
        String header = header(entry("w", "F32", "18446744073709551617", 0, 8));
        assertRefused(file(header, 8), "tensor w", "too large");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"[\"pt\"]", "\"pt\"", "{\"format\":1}", "{\"format\":null}"})
    void metadataThatIsNotAnObjectOfStringsIsRefused(String metadata) {
        String header = header("\"__metadata__\":" + metadata, entry("w", "U8", "1", 0, 1));
        assertRefused(file(header, 1), "__metadata__", "wrong type");
    }

    @Test
    void unknownDtypeIsRefusedByName() {
        assertRefused(file(header(entry("w", "F7", "2", 0, 8)), 8), "tensor w", "unknown dtype \"F7\"");
    }

    @Test
    void offsetsWithBeginAfterEndAreRefused() {
        String header = header(entry("a", "U8", "4", 0, 4), entry("w", "U8", "0", 8, 4));
        assertRefused(file(header, 8), "tensor w", "[8, 4]", "begin is after its end");
    }

    @Test
    void tensorReachingPastTheDataBufferIsRefused() {
        assertRefused(file(header(entry("w", "F32", "4", 0, 16)), 12), "tensor w", "12-byte data buffer", "past the end");
    }

    @Test
    void byteSizeNotMatchingDtypeAndShapeIsRefused() {
        assertRefused(file(header(entry("w", "F32", "2,2", 0, 12)), 12),
                "tensor w", "12 bytes", "F32", "[2, 2]", "need 16 bytes");
    }

    @ParameterizedTest(name = "{0}[{1}]")
    @CsvSource(delimiter = '|', value = {
        "U8  | 4294967296,4294967296",
        "F32 | 4611686018427387904",
    })
    void sizeThatOverflowsIsRefusedRatherThanWrapped(String dtype, String shape) {
        assertRefused(file(header(entry("w", dtype, shape, 0, 0)), 0), "tensor w", "overflows");
    }

    @Test
    void subByteTensorEndingMidByteIsRefused() {
        assertRefused(file(header(entry("w", "F4", "3", 0, 2)), 2), "tensor w", "whole bytes");
    }

    @Test
    void overlappingTensorsAreRefusedNamingBoth() {
        String header = header(entry("a", "F32", "4", 0, 16), entry("b", "F32", "4", 8, 24));
        assertRefused(file(header, 24), "a [0, 16)", "b [8, 24)", "overlap");
    }

    @Test
    void emptyTensorInsideAnotherIsRefusedAsOverlap() {
        String header = header(entry("a", "F32", "4", 0, 16), entry("e", "F32", "0", 8, 8));
        assertRefused(file(header, 16), "a [0, 16)", "e [8, 8)", "overlap");
    }

    @Test
    void holeBetweenTensorsIsRefused() {
        String header = header(entry("a", "F32", "4", 0, 16), entry("b", "F32", "4", 20, 36));
        assertRefused(file(header, 36), "hole", "[16, 20)", "between tensors a and b");
    }

    @Test
    void holeBeforeTheFirstTensorIsRefused() {
        assertRefused(file(header(entry("a", "F32", "4", 4, 20)), 20), "hole", "[0, 4)", "before the first tensor, a");
    }

    @Test
    void bufferLongerThanItsTensorsIsRefused() {
        assertRefused(file(header(entry("a", "F32", "4", 0, 16)), 20), "hole", "[16, 20)", "after the last tensor, a");
    }

    @Test
    void bufferWithoutAnyTensorIsRefused() {
        assertRefused(file("{}", 4), "hole", "[0, 4)", "no tensors");
    }

    @Test
    void emptyAndZeroRankTensorsAreLegal() {
        String header = header(entry("scalar", "F32", "", 0, 4), entry("empty", "F32", "0,5", 4, 4),
                entry("also_empty", "BF16", "3,0", 4, 4));
        Path file = file(header, 4);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st = SafetensorsFile.open(file, arena);
            Tensor scalar = st.tensor("scalar");
            assertEquals(0, scalar.rank(), "rank of the scalar");
            assertEquals(1, scalar.numel(), "elements of the scalar");
            assertEquals(4, scalar.byteSize(), "bytes of the scalar");
            Tensor empty = st.tensor("empty");
            assertArrayEquals(new long[] {0, 5}, empty.shape(), "shape of the empty tensor");
            assertEquals(0, empty.numel(), "elements of the empty tensor");
            assertEquals(0, empty.byteSize(), "bytes of the empty tensor");
            assertEquals(3, st.tensors().size(), "tensors listed");
        }
    }

    @Test
    void emptyHeaderWithEmptyBufferIsLegal() {
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st = SafetensorsFile.open(file("{}", 0), arena);
            assertEquals(Map.of(), st.tensors(), "tensors");
            assertEquals(Map.of(), st.metadata(), "metadata");
        }
    }

    @ParameterizedTest(name = "{0} trailing spaces")
    @ValueSource(ints = {0, 1, 3, 6})
    void headerPaddedWithSpacesAndUnalignedDataIsRead(int spaces) {
        String header = header("\"__metadata__\":{\"format\":\"pt\"}", entry("w", "F32", "3", 0, 12)) + " ".repeat(spaces);
        ByteBuffer buffer = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(3f);
        Path file = RawSafetensors.write(dir.resolve("padded.safetensors"), header, buffer.array());
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st = SafetensorsFile.open(file, arena);
            assertEquals(Map.of("format", "pt"), st.metadata(), "metadata");
            Tensor w = st.tensor("w");
            float[] values = w.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
            assertArrayEquals(new float[] {1.5f, -2f, 3f}, values, "values of w after a header of "
                    + (header.length()) + " bytes");
        }
    }

    @Test
    void nullMetadataIsTreatedAsAbsent() {
        Path file = file(header("\"__metadata__\":null", entry("w", "U8", "1", 0, 1)), 1);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(Map.of(), SafetensorsFile.open(file, arena).metadata(), "metadata");
        }
    }

    @Test
    void unsupportedDtypeLoadsButItsDataIsRefusedByName() {
        Path file = file(header(entry("fp8", "F8_E5M2", "4", 0, 4), entry("ok", "U8", "4", 4, 8)), 8);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st = SafetensorsFile.open(file, arena);
            assertEquals(DType.F8_E5M2, st.tensors().get("fp8").dtype(), "dtype listed for fp8");
            assertEquals(4, st.tensor("ok").byteSize(), "bytes of the supported neighbour");
            String message = assertThrows(CheckpointException.class, () -> st.tensor("fp8")).getMessage();
            for (String fragment : List.of("tensor fp8", file.getFileName().toString(), "F8_E5M2", "does not support",
                    "BF16")) {
                assertTrue(message.contains(fragment), () -> "message lacks \"" + fragment + "\": " + message);
            }
        }
    }

    @Test
    void askingForAnAbsentTensorNamesItAndTheFile() {
        Path file = file(header(entry("w", "U8", "1", 0, 1)), 1);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st = SafetensorsFile.open(file, arena);
            String message = assertThrows(CheckpointException.class, () -> st.tensor("v")).getMessage();
            assertTrue(message.contains("bad.safetensors has no tensor v"), () -> "message: " + message);
        }
    }

    @Test
    void missingFileIsRefusedNamingIt() {
        assertRefused(dir.resolve("absent.safetensors"), "does not exist");
    }
}
