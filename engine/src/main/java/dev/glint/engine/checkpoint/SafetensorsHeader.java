package dev.glint.engine.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated header of one safetensors file. Everything a later read relies on is checked here,
 * against the real file size, so that a tensor view can never reach outside its own bytes.
 */
record SafetensorsHeader(long dataStart, Map<String, String> metadata, Map<String, TensorInfo> tensors) {

    /** The reference implementation's MAX_HEADER_SIZE; a larger length means a corrupt or foreign file. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";
    static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** @param file only used to name the file in error messages */
    static SafetensorsHeader parse(Path file, MemorySegment mapped) {
        return new Parser(file).parse(mapped);
    }

    private record Parser(Path file) {

        SafetensorsHeader parse(MemorySegment mapped) {
            long fileSize = mapped.byteSize();
            if (fileSize < 8) {
                throw fail("is only " + fileSize + " bytes long, too short to be a safetensors file"
                        + " (it must start with an 8-byte header length)");
            }
            long headerBytes = mapped.get(U64_LE, 0);
            // Read as unsigned: a negative long is a length of 2^63 bytes or more.
            if (headerBytes < 0 || headerBytes > MAX_HEADER_BYTES) {
                throw fail("declares a " + Long.toUnsignedString(headerBytes) + "-byte header, over the limit of "
                        + MAX_HEADER_BYTES + " bytes; the file is corrupt or not a safetensors file");
            }
            if (headerBytes > fileSize - 8) {
                throw fail("declares a " + headerBytes + "-byte header but only " + (fileSize - 8)
                        + " bytes follow its 8-byte length; the file is truncated or not a safetensors file");
            }
            ObjectNode root = parseObject(utf8(mapped.asSlice(8, headerBytes)));
            long dataStart = 8 + headerBytes;
            long bufferSize = fileSize - dataStart;

            Map<String, String> metadata = Map.of();
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : root.properties()) {
                if (field.getKey().equals(METADATA_KEY)) {
                    metadata = metadata(field.getValue());
                } else {
                    tensors.put(field.getKey(), tensor(field.getKey(), field.getValue(), bufferSize));
                }
            }
            checkCoverage(tensors.values(), bufferSize);
            return new SafetensorsHeader(dataStart, metadata, Collections.unmodifiableMap(tensors));
        }

        private String utf8(MemorySegment bytes) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(bytes.asByteBuffer())
                        .toString();
            } catch (CharacterCodingException e) {
                throw fail("has a header that is not valid UTF-8 text; the file is corrupt", e);
            }
        }

        private ObjectNode parseObject(String text) {
            // The reference reader insists on '{' first; it also rules out a blank header parsing as nothing.
            if (!text.startsWith("{")) {
                throw fail("has a header that is not a JSON object (it must start with '{')");
            }
            try {
                return (ObjectNode) Json.STRICT.readTree(text);
            } catch (JsonProcessingException e) {
                throw fail("has a header that is not valid JSON: " + Json.problem(e), e);
            }
        }

        private Map<String, String> metadata(JsonNode node) {
            if (node.isNull()) {
                return Map.of();
            }
            if (!node.isObject()) {
                throw fail("has \"" + METADATA_KEY + "\" of the wrong type: expected an object of strings, found "
                        + Json.describe(node));
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                if (!entry.getValue().isTextual()) {
                    throw fail("has \"" + METADATA_KEY + "\" entry \"" + entry.getKey()
                            + "\" of the wrong type: expected a string, found " + Json.describe(entry.getValue()));
                }
                metadata.put(entry.getKey(), entry.getValue().textValue());
            }
            return Collections.unmodifiableMap(metadata);
        }

        private TensorInfo tensor(String name, JsonNode node, long bufferSize) {
            if (!node.isObject()) {
                throw failTensor(name, "has an entry of the wrong type: expected an object with dtype, shape and"
                        + " data_offsets, found " + Json.describe(node));
            }
            DType dtype = dtype(name, required(name, node, "dtype"));
            long[] shape = integers(name, node, "shape", "an array of non-negative integers", -1);
            long[] offsets = integers(name, node, "data_offsets", "an array [begin, end] of two non-negative integers", 2);
            long begin = offsets[0];
            long end = offsets[1];
            String offsetsText = "data_offsets [" + begin + ", " + end + "]";
            if (begin > end) {
                throw failTensor(name, "has " + offsetsText + " whose begin is after its end");
            }
            if (end > bufferSize) {
                throw failTensor(name, "has " + offsetsText + " reaching past the end of the " + bufferSize
                        + "-byte data buffer; the file is truncated or its header is wrong");
            }
            long needed = byteSize(name, dtype, shape);
            if (end - begin != needed) {
                throw failTensor(name, "has " + offsetsText + " (" + (end - begin) + " bytes) but dtype " + dtype
                        + " and shape " + Shapes.format(shape) + " need " + needed + " bytes");
            }
            return new TensorInfo(name, dtype, shape, begin, end);
        }

        private JsonNode required(String name, JsonNode entry, String field) {
            JsonNode value = entry.get(field);
            if (value == null) {
                throw failTensor(name, "is missing \"" + field + "\"");
            }
            return value;
        }

        private DType dtype(String name, JsonNode node) {
            if (!node.isTextual()) {
                throw failTensor(name, "has \"dtype\" of the wrong type: expected a string, found " + Json.describe(node));
            }
            return DType.fromName(node.textValue()).orElseThrow(() -> failTensor(name,
                    "has unknown dtype \"" + node.textValue() + "\"; known dtypes: " + DType.allNames()));
        }

        private long[] integers(String name, JsonNode entry, String field, String expected, int length) {
            JsonNode node = required(name, entry, field);
            if (!node.isArray() || (length >= 0 && node.size() != length)) {
                throw failTensor(name, "has \"" + field + "\" of the wrong type: expected " + expected + ", found "
                        + Json.describe(node));
            }
            long[] values = new long[node.size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode element = node.get(i);
                if (!element.isIntegralNumber()) {
                    throw failTensor(name, "has \"" + field + "\" of the wrong type: expected " + expected
                            + ", found " + Json.describe(node));
                }
                if (!element.canConvertToLong()) {
                    throw failTensor(name, "has \"" + field + "\" " + node + " with a number too large for 64 bits");
                }
                values[i] = element.longValue();
                if (values[i] < 0) {
                    throw failTensor(name, "has a negative number in \"" + field + "\" " + node);
                }
            }
            return values;
        }

        private long byteSize(String name, DType dtype, long[] shape) {
            try {
                return dtype.byteSize(Shapes.numel(shape));
            } catch (ArithmeticException e) {
                throw failTensor(name, "has shape " + Shapes.format(shape) + " whose size overflows a 64-bit integer", e);
            } catch (IllegalArgumentException e) {
                throw failTensor(name, "has shape " + Shapes.format(shape) + " that does not fill whole bytes: "
                        + e.getMessage(), e);
            }
        }

        /** The data buffer must be tiled exactly, as the reference reader demands: no overlaps, no holes. */
        private void checkCoverage(Collection<TensorInfo> tensors, long bufferSize) {
            List<TensorInfo> byOffset = tensors.stream()
                    .sorted(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end))
                    .toList();
            long covered = 0;
            TensorInfo previous = null;
            for (TensorInfo tensor : byOffset) {
                if (tensor.begin() < covered) {
                    throw fail("has tensors " + previous.name() + " " + range(previous) + " and " + tensor.name() + " "
                            + range(tensor) + " that overlap in the data buffer");
                }
                if (tensor.begin() > covered) {
                    throw fail(hole(covered, tensor.begin()) + (previous == null
                            ? "before the first tensor, " + tensor.name()
                            : "between tensors " + previous.name() + " and " + tensor.name()));
                }
                covered = tensor.end();
                previous = tensor;
            }
            if (covered != bufferSize) {
                throw fail(hole(covered, bufferSize) + (previous == null
                        ? "(the header lists no tensors)"
                        : "after the last tensor, " + previous.name()));
            }
        }

        private static String range(TensorInfo tensor) {
            return "[" + tensor.begin() + ", " + tensor.end() + ")";
        }

        private static String hole(long from, long to) {
            return "has a hole in its data buffer: bytes [" + from + ", " + to + ") belong to no tensor ";
        }

        private CheckpointException fail(String problem) {
            return new CheckpointException(file + " " + problem);
        }

        private CheckpointException fail(String problem, Throwable cause) {
            return new CheckpointException(file + " " + problem, cause);
        }

        private CheckpointException failTensor(String name, String problem) {
            return new CheckpointException("tensor " + name + " in " + file + " " + problem);
        }

        private CheckpointException failTensor(String name, String problem, Throwable cause) {
            return new CheckpointException("tensor " + name + " in " + file + " " + problem, cause);
        }
    }
}
