package dev.glint.engine.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestTest {
    /** sha256 of "hello\n", as coreutils' sha256sum prints it. */
    private static final String HELLO = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

    @Test
    void aManifestWrittenForAFolderVerifiesItAndNamesAChangedAndAMissingFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.txt"), "hello\n");
        Files.write(dir.resolve("b.bin"), new byte[3 << 20]);
        Manifest written = Manifest.of(dir, List.of("a.txt", "b.bin"));
        assertEquals(HELLO, written.sha256().get("a.txt"), "the digest coreutils gives");
        written.write(dir.resolve("sha256sums"));
        Manifest read = Manifest.read(dir.resolve("sha256sums"));
        assertEquals(written, read);
        long[] bytes = {0};
        assertEquals(List.of(), read.verify(dir, n -> bytes[0] += n));
        assertEquals(6 + (3 << 20), bytes[0], "bytes reported as read");

        byte[] changed = Files.readAllBytes(dir.resolve("b.bin"));
        changed[1 << 20] = 1;
        Files.write(dir.resolve("b.bin"), changed);
        Files.delete(dir.resolve("a.txt"));
        List<Manifest.Mismatch> differ = read.verify(dir, n -> { });
        assertEquals(2, differ.size(), differ.toString());
        assertEquals(new Manifest.Mismatch("a.txt", HELLO, null), differ.get(0));
        assertEquals("b.bin", differ.get(1).file());
        assertTrue(!differ.get(1).actual().equals(differ.get(1).expected()));
    }

    @Test
    void huggingFaceListingsGiveTheLfsSha256OfTheirLargeFiles(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tree.json"), """
                [{"type": "file", "path": "config.json", "oid": "0123456789abcdef0123456789abcdef01234567", "size": 12},
                 {"type": "file", "path": "model-00001-of-00002.safetensors", "size": 6,
                  "lfs": {"oid": "%s", "size": 6, "pointerSize": 135}}]""".formatted(HELLO.toUpperCase()));
        assertEquals(java.util.Map.of("model-00001-of-00002.safetensors", HELLO), Manifest.read(dir.resolve("tree.json")).sha256());
        Files.writeString(dir.resolve("info.json"), """
                {"id": "zai-org/GLM-4.5-Air", "siblings": [{"rfilename": "a.safetensors", "lfs": {"sha256": "%s", "size": 6}},
                 {"rfilename": "README.md"}]}""".formatted(HELLO));
        assertEquals(java.util.Map.of("a.safetensors", HELLO), Manifest.read(dir.resolve("info.json")).sha256());
    }

    @Test
    void aManifestThatIsNeitherFormIsRefusedByLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("sha256sums"), HELLO + "  a.txt\nnot a line\n", StandardCharsets.UTF_8);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Manifest.read(dir.resolve("sha256sums")));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
