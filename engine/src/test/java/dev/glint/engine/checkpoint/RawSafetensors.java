package dev.glint.engine.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes safetensors files byte by byte, so that tests can produce every kind of corruption. */
final class RawSafetensors {

    private RawSafetensors() {
    }

    /** A file whose header length field says {@code declaredLength}, whatever the header really holds. */
    static Path write(Path file, long declaredLength, byte[] header, int bufferBytes) {
        ByteBuffer bytes = ByteBuffer.allocate(8 + header.length + bufferBytes).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(declaredLength).put(header);
        return write(file, bytes.array());
    }

    /** A file with an honest length field, the given header text, and a zeroed data buffer. */
    static Path write(Path file, String header, int bufferBytes) {
        return write(file, header, new byte[bufferBytes]);
    }

    /** A file with an honest length field, the given header text, and the given data buffer. */
    static Path write(Path file, String header, byte[] buffer) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + json.length + buffer.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(json.length).put(json).put(buffer);
        return write(file, bytes.array());
    }

    static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A header object made of the given {@link #entry} strings. */
    static String header(String... entries) {
        return "{" + String.join(",", entries) + "}";
    }

    /** One tensor's header entry; {@code shape} is the JSON text inside the brackets, e.g. {@code "2,3"}. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + shape + "],\"data_offsets\":[" + begin
                + "," + end + "]}";
    }

    /** A header entry whose body is given verbatim, for entries that are wrong in form. */
    static String rawEntry(String name, String body) {
        return "\"" + name + "\":" + body;
    }
}
