package dev.glint.engine.model;

import dev.glint.engine.kv.KvCache;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;

import static dev.glint.engine.model.ReferenceLogits.assertMatches;
import static dev.glint.engine.model.ReferenceLogits.fixture;
import static dev.glint.engine.model.ReferenceLogits.floats;
import static dev.glint.engine.model.ReferenceLogits.intArray;

/**
 * Quantized checkpoints of the tiny GLM-4.5 weights, one per format, written by an independent tool, against the
 * logits llama.cpp computes from the exactly dequantized weights. A misread nibble order, zero-point offset or scale
 * layout moves logits by far more than the tolerance.
 */
class QuantizedFixtureTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"fp8-channel", "fp8-channel-subnormal", "fp8-block", "fp8-block-multi", "fp8-ct-block-multi",
            "int4-ct-g16", "int4-ct-g32", "int4-ct-g32-asym", "awq-g16", "awq-g32",
            "gptq-g16", "gptq-g32", "gptq-g32-actorder", "gptq-g32-v2"})
    void batchAndIncrementalLogitsMatchLlamaCpp(String name) throws IOException {
        Path dir = fixture("quant/" + name);
        int[] tokens = intArray(dir.resolve("tokens.json"));
        float[] expected = floats(dir.resolve("logits.f32"));
        try (Glm4Moe model = Glm4Moe.load(dir, 2)) {
            int vocab = model.config().vocabSize();
            float[] batch;
            try (KvCache cache = model.newCache(tokens.length)) {
                batch = model.forward(tokens, cache, true);
            }
            float[] incremental = new float[tokens.length * vocab];
            try (KvCache cache = model.newCache(tokens.length)) {
                for (int t = 0; t < tokens.length; t++) {
                    System.arraycopy(model.forward(new int[]{tokens[t]}, cache, false), 0, incremental, t * vocab, vocab);
                }
            }
            double batchError = assertMatches(name + " batch", expected, batch, vocab, TOLERANCE);
            double incrementalError = assertMatches(name + " incremental", expected, incremental, vocab, TOLERANCE);
            System.out.printf("%s: %d positions, max |logit - llama.cpp| batch %.3g, incremental %.3g%n",
                    name, tokens.length, batchError, incrementalError);
        }
    }
}
