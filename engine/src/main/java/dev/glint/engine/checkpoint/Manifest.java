package dev.glint.engine.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SHA-256 of each file of a checkpoint, as a manifest lists them, so that a copy carried into an air-gapped site
 * can be proven intact. Two forms are read: coreutils' {@code sha256sums} ({@code HASH  NAME} lines, what Glint's
 * bundle ships and what {@code sha256sum -c} checks), and Hugging Face's listing of a repository's files (the JSON
 * of its {@code tree} API, or a model's {@code siblings}), whose large files carry their LFS sha256.
 *
 * @param sha256 lower-case hex digest by file name, relative to the checkpoint's folder
 */
public record Manifest(Map<String, String> sha256) {
    /** The manifest's name in a checkpoint folder. */
    public static final String FILE_NAME = "sha256sums";
    private static final Pattern SUM_LINE = Pattern.compile("([0-9a-fA-F]{64}) [ *](.+)");

    /** A file whose content is not what the manifest says: {@code actual} is null when the file is missing. */
    public record Mismatch(String file, String expected, String actual) {
    }

    public static Manifest read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return text.stripLeading().startsWith("[") || text.stripLeading().startsWith("{") ? fromHuggingFace(text, file) : fromSums(text, file);
    }

    private static Manifest fromSums(String text, Path file) {
        Map<String, String> sums = new LinkedHashMap<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            Matcher line = SUM_LINE.matcher(lines.get(i));
            if (!line.matches()) {
                throw new CheckpointException(file + ": line " + (i + 1) + " is not 'SHA256  FILE': " + lines.get(i));
            }
            sums.put(normalized(line.group(2)), line.group(1).toLowerCase());
        }
        if (sums.isEmpty()) {
            throw new CheckpointException(file + ": no 'SHA256  FILE' line");
        }
        return new Manifest(sums);
    }

    /** The entries with an LFS sha256; small files, stored in git itself, have none and are not listed. */
    private static Manifest fromHuggingFace(String text, Path file) {
        JsonNode root;
        try {
            root = Json.STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + ": not a Hugging Face file listing: " + Json.problem(e));
        }
        JsonNode entries = root.isArray() ? root : root.path("siblings");
        Map<String, String> sums = new LinkedHashMap<>();
        for (JsonNode entry : entries) {
            String name = entry.has("path") ? entry.path("path").asText() : entry.path("rfilename").asText();
            JsonNode lfs = entry.path("lfs");
            String sha = lfs.has("sha256") ? lfs.path("sha256").asText() : lfs.path("oid").asText();
            if (!name.isEmpty() && sha.matches("[0-9a-fA-F]{64}")) {
                sums.put(normalized(name), sha.toLowerCase());
            }
        }
        if (sums.isEmpty()) {
            throw new CheckpointException(file + ": no file with an LFS sha256 in this Hugging Face listing");
        }
        return new Manifest(sums);
    }

    /** The manifest of {@code names} in {@code folder}, hashed now. */
    public static Manifest of(Path folder, List<String> names) throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        for (String name : names) {
            sums.put(name, sha256(folder.resolve(name), bytes -> { }));
        }
        return new Manifest(sums);
    }

    /** Writes the manifest as {@code sha256sums}, which {@code sha256sum -c} checks too. */
    public void write(Path file) throws IOException {
        StringBuilder text = new StringBuilder();
        sha256.forEach((name, sha) -> text.append(sha).append("  ").append(name).append('\n'));
        Files.writeString(file, text);
    }

    public long totalBytes(Path folder) throws IOException {
        long total = 0;
        for (String name : sha256.keySet()) {
            Path file = folder.resolve(name);
            total += Files.isRegularFile(file) ? Files.size(file) : 0;
        }
        return total;
    }

    /** Hashes every listed file of {@code folder}, reporting bytes read as it goes; returns the files that differ. */
    public List<Mismatch> verify(Path folder, LongConsumer bytesRead) throws IOException {
        List<Mismatch> differ = new ArrayList<>();
        for (Map.Entry<String, String> entry : sha256.entrySet()) {
            Path file = folder.resolve(entry.getKey());
            String actual = Files.isRegularFile(file) ? sha256(file, bytesRead) : null;
            if (!entry.getValue().equals(actual)) {
                differ.add(new Mismatch(entry.getKey(), entry.getValue(), actual));
            }
        }
        return differ;
    }

    static String sha256(Path file, LongConsumer bytesRead) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
                bytesRead.accept(n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String normalized(String name) {
        return name.startsWith("./") ? name.substring(2) : name;
    }
}
