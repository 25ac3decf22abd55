package dev.glint.engine.model;

import dev.glint.kernels.KvType;
import org.junit.jupiter.api.Test;

import static dev.glint.engine.model.ReferenceLogits.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryPlanTest {
    private static final Glm4MoeConfig GLM46_LONG = Glm4MoeConfig.load(fixture("glm46-long"));

    @Test
    void sizesReadAsUsersWriteThem() {
        assertEquals(20L << 30, MemoryPlan.parseSize("20g"));
        assertEquals(512L << 20, MemoryPlan.parseSize("512M"));
        assertEquals(1536L << 20, MemoryPlan.parseSize("1.5GiB"));
        assertEquals(4096, MemoryPlan.parseSize("4096"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> MemoryPlan.parseSize("lots"));
        assertTrue(bad.getMessage().contains("'lots'") && bad.getMessage().contains("20g"), bad.getMessage());
    }

    /** 4 layers × 2 KV heads × (keys + values) × a row of 32 values in each type. */
    @Test
    void thePoolIsOneContextOfTheTypesRowsUnlessToldOtherwise() {
        MemoryPlan f32 = MemoryPlan.of(GLM46_LONG, 1000, KvType.F32, 131072, null, 1L << 40);
        assertEquals(4 * 2 * 2 * 128, f32.kvBytesPerToken());
        assertEquals(131072, f32.poolTokens());
        assertEquals(1000 + 131072L * 2048, f32.totalBytes());
        MemoryPlan q8 = MemoryPlan.of(GLM46_LONG, 1000, KvType.Q8, 1000, 5000, 1L << 40);
        assertEquals(4 * 2 * 2 * (32 + 4), q8.kvBytesPerToken());
        assertEquals(5008, q8.poolTokens(), "whole blocks");
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> MemoryPlan.of(GLM46_LONG, 1000, KvType.F32, 4096, 1024, 1L << 40));
        assertTrue(small.getMessage().contains("1024") && small.getMessage().contains("4096"), small.getMessage());
    }

    @Test
    void aPlanOverTheLimitIsRefusedWithItsNumbers() {
        MemoryPlan plan = MemoryPlan.of(GLM46_LONG, 1L << 30, KvType.BF16, 131072, null, 1L << 30);
        IllegalStateException refused = assertThrows(IllegalStateException.class, plan::check);
        assertTrue(refused.getMessage().contains("131072 tokens (bf16, 128.00 MiB)")
                && refused.getMessage().contains("limit of 1.00 GiB"), refused.getMessage());
    }
}
