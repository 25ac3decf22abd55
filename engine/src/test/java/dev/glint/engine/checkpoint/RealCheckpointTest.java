package dev.glint.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The checkpoints that ship with Glint load, with the shapes and dtypes their configs imply. */
class RealCheckpointTest {

    private static final Path GLM_NANO = Path.of("../models/glm-nano");
    private static final Path GLM45_TINY = Path.of("src/test/resources/fixtures/glm45-tiny");

    @Test
    void glmNanoLoadsWithItsEmbeddingAndRouterBias() throws IOException {
        try (Checkpoint checkpoint = Checkpoint.open(GLM_NANO)) {
            Tensor embed = checkpoint.tensor("model.embed_tokens.weight", 1536, 128);
            assertEquals(DType.BF16, embed.dtype(), "dtype of the embedding");
            assertEquals(1536L * 128 * 2, embed.byteSize(), "bytes of the embedding");
            Tensor bias = checkpoint.tensor("model.layers.1.mlp.gate.e_score_correction_bias", 8);
            assertEquals(DType.F32, bias.dtype(), "dtype of the router bias");
            for (float b : bias.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)) {
                assertTrue(Float.isFinite(b), "router bias value " + b);
            }
            assertEquals(Files.size(GLM_NANO.resolve(Checkpoint.SINGLE_FILE)), checkpoint.bytesMapped(), "bytes mapped");
        }
    }

    @Test
    void glm45TinyFixtureLoadsWithKnownValues() {
        try (Checkpoint checkpoint = Checkpoint.open(GLM45_TINY)) {
            assertEquals(210 - 1, checkpoint.names().size(), "tensor count (the header also holds __metadata__)");
            Tensor embed = checkpoint.tensor("model.embed_tokens.weight", 320, 96);
            assertEquals(DType.BF16, embed.dtype(), "dtype of the embedding");
            assertArrayEquals(new short[] {0x3e9c, 0x4013, 0x3fe2, (short) 0xbf4d},
                    embed.data().asSlice(0, 8).toArray(ValueLayout.JAVA_SHORT_UNALIGNED), "first BF16 words of the embedding");
            Tensor bias = checkpoint.tensor("model.layers.1.mlp.gate.e_score_correction_bias", 16);
            assertEquals(DType.F32, bias.dtype(), "dtype of the router bias");
            assertEquals(-0.1867913156747818f, bias.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 0), "bias[0]");
            assertEquals(0.1510585993528366f, bias.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 3), "bias[3]");
        }
    }
}
