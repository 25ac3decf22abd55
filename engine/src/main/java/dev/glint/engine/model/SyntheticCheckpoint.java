package dev.glint.engine.model;

import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.SafetensorsWriter;
import dev.glint.engine.checkpoint.TensorSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a deterministic random {@code glm4_moe} checkpoint of any shape, so real-model shapes can be benchmarked
 * without downloading weights. Each matrix is uniform with standard deviation {@code 1/sqrt(in)}, norms are 1,
 * so activations keep their scale through the layers. The same config and seed give the same bytes.
 */
public final class SyntheticCheckpoint {
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Glm4MoeConfig config;
    private final long seed;
    private final List<TensorSpec> tensors = new ArrayList<>();

    private SyntheticCheckpoint(Glm4MoeConfig config, long seed) {
        this.config = config;
        this.seed = seed;
    }

    /** Writes config.json (copied from {@code configFile}), generation_config.json and model.safetensors to {@code outDir}. */
    public static void write(Path configFile, Path outDir, long seed) {
        Glm4MoeConfig config = Glm4MoeConfig.parse(Glm4MoeConfig.readObject(configFile), configFile.toString());
        SyntheticCheckpoint synth = new SyntheticCheckpoint(config, seed);
        synth.describe();
        try {
            Files.createDirectories(outDir);
            Files.copy(configFile, outDir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(outDir.resolve("generation_config.json"),
                    "{\"eos_token_id\": " + config.eosTokenIds() + "}\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the synthetic checkpoint to " + outDir, e);
        }
        SafetensorsWriter.write(outDir.resolve("model.safetensors"), synth.tensors,
                Map.of("format", "pt", "glint_synth_seed", Long.toString(seed)));
    }

    private void describe() {
        int hidden = config.hiddenSize();
        matrix("model.embed_tokens.weight", config.vocabSize(), hidden);
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String p = "model.layers." + l + ".";
            ones(p + "input_layernorm.weight", hidden);
            ones(p + "post_attention_layernorm.weight", hidden);
            String a = p + "self_attn.";
            matrix(a + "q_proj.weight", config.qDim(), hidden);
            matrix(a + "k_proj.weight", config.kvDim(), hidden);
            matrix(a + "v_proj.weight", config.kvDim(), hidden);
            matrix(a + "o_proj.weight", hidden, config.qDim());
            if (config.attentionBias()) {
                small(a + "q_proj.bias", config.qDim());
                small(a + "k_proj.bias", config.kvDim());
                small(a + "v_proj.bias", config.kvDim());
            }
            if (config.useQkNorm()) {
                ones(a + "q_norm.weight", config.headDim());
                ones(a + "k_norm.weight", config.headDim());
            }
            if (config.isMoeLayer(l)) {
                matrix(p + "mlp.gate.weight", config.nRoutedExperts(), hidden);
                correctionBias(p + "mlp.gate.e_score_correction_bias", config.nRoutedExperts());
                for (int e = 0; e < config.nRoutedExperts(); e++) {
                    mlp(p + "mlp.experts." + e + ".", config.moeIntermediateSize());
                }
                if (config.nSharedExperts() > 0) {
                    mlp(p + "mlp.shared_experts.", config.moeIntermediateSize() * config.nSharedExperts());
                }
            } else {
                mlp(p + "mlp.", config.intermediateSize());
            }
        }
        ones("model.norm.weight", hidden);
        matrix("lm_head.weight", config.vocabSize(), hidden);
    }

    private void mlp(String prefix, int intermediate) {
        matrix(prefix + "gate_proj.weight", intermediate, config.hiddenSize());
        matrix(prefix + "up_proj.weight", intermediate, config.hiddenSize());
        matrix(prefix + "down_proj.weight", config.hiddenSize(), intermediate);
    }

    private void matrix(String name, int rows, int cols) {
        double halfWidth = Math.sqrt(3.0 / cols);
        bf16(name, new long[]{rows, cols}, random -> (float) ((random.nextDouble() * 2 - 1) * halfWidth));
    }

    private void ones(String name, int length) {
        bf16(name, new long[]{length}, random -> 1f);
    }

    private void small(String name, int length) {
        bf16(name, new long[]{length}, random -> (float) ((random.nextDouble() * 2 - 1) * 0.02));
    }

    private void correctionBias(String name, int length) {
        tensors.add(new TensorSpec(name, DType.F32, new long[]{length}, segment -> {
            SplittableRandom random = randomFor(name);
            for (int i = 0; i < length; i++) {
                segment.setAtIndex(F32, i, (float) (random.nextDouble() * 0.1));
            }
        }));
    }

    private interface Draw {
        float next(SplittableRandom random);
    }

    private void bf16(String name, long[] shape, Draw draw) {
        tensors.add(new TensorSpec(name, DType.BF16, shape, segment -> fillBf16(segment, randomFor(name), draw)));
    }

    private static void fillBf16(MemorySegment segment, SplittableRandom random, Draw draw) {
        long count = segment.byteSize() / 2;
        for (long i = 0; i < count; i++) {
            segment.setAtIndex(BF16, i, (short) (Float.floatToRawIntBits(draw.next(random)) >>> 16));
        }
    }

    /** Each tensor gets its own stream, so its values don't depend on which tensors come before it. */
    private SplittableRandom randomFor(String name) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
    }
}
