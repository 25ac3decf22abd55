package dev.glint.engine.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static dev.glint.engine.checkpoint.RawSafetensors.entry;
import static dev.glint.engine.checkpoint.RawSafetensors.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the tensors of a valid file reach the kernels (the rules a file must obey are in the validation test). */
class SafetensorsFileTest {

    /**
     * Plain native segments, like the KV pool's, so that the kernels' vector loads see one class of segment (why, in
     * {@code SafetensorsFile}); still read-only, and gone with the arena, as the mapping is.
     */
    @Test
    void tensorsAreReadOnlyNativeViewsOfTheMappingThatCloseWithTheArena(@TempDir Path dir) {
        byte[] buffer = {1, 2, 3, 4, 5, 6, 7, 8};
        Path file = RawSafetensors.write(dir.resolve("w.safetensors"), header(entry("w", "U8", "8", 0, 8)), buffer);
        MemorySegment data;
        try (Arena arena = Arena.ofConfined()) {
            data = SafetensorsFile.open(file, arena).tensor("w").data();
            assertFalse(data.isMapped(), "a mapped segment beside the native KV pool makes the vector loads bimorphic");
            assertTrue(data.isReadOnly());
            for (int i = 0; i < buffer.length; i++) {
                assertEquals(buffer[i], data.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
            assertThrows(IllegalArgumentException.class, () -> data.set(ValueLayout.JAVA_BYTE, 0, (byte) 9));
        }
        assertThrows(IllegalStateException.class, () -> data.get(ValueLayout.JAVA_BYTE, 0), "readable after close");
    }
}
