package dev.glint.engine.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageAdviceTest {

    /** A 64 KiB mapped file, as a checkpoint's tensors are mapped. */
    private static MemorySegment mapped(Path dir, Arena arena) throws IOException {
        Path file = dir.resolve("weights.bin");
        Files.write(file, new byte[64 * 1024]);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        }
    }

    @Test
    void lockingCoversTheWholePagesUnderEachRegion(@TempDir Path dir) throws IOException {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment file = mapped(dir, arena);
            // 100 bytes straddling a page boundary lie in two pages; a whole page-aligned 8 KiB is two pages
            List<MemorySegment> regions = List.of(file.asSlice(4096 - 50, 100), file.asSlice(16384, 8192));
            try {
                assertEquals(4 * 4096L, PageAdvice.lock(regions));
            } catch (IllegalStateException refused) {
                // An unprivileged process under a small `ulimit -l` is refused, and told what to raise.
                assertTrue(refused.getMessage().contains("ulimit -l"), refused.getMessage());
            }
        }
    }

    @Test
    void askingForPagesAheadLeavesTheirContentAsItIs(@TempDir Path dir) throws IOException {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment file = mapped(dir, arena);
            PageAdvice.willNeed(List.of(file, file.asSlice(123, 4000), file.asSlice(0, 0)));
            assertEquals(-1, file.mismatch(MemorySegment.ofArray(new byte[64 * 1024])));
        }
    }
}
