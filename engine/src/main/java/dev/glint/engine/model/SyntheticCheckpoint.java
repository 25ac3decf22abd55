package dev.glint.engine.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.TensorSpec;
import dev.glint.engine.quant.FloatCheckpoint;
import dev.glint.engine.quant.FloatRows;
import dev.glint.engine.quant.GlintCheckpoint;
import dev.glint.engine.quant.QuantizationPlan;
import dev.glint.engine.quant.QuantizationProgress;
import dev.glint.engine.quant.SourceTensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a deterministic random {@code glm4_moe} checkpoint of any shape, so real-model shapes can be benchmarked
 * without downloading weights. Each matrix is uniform with standard deviation {@code 1/sqrt(in)}, norms are 1,
 * so activations keep their scale through the layers. The same config and seed give the same bytes.
 *
 * <p>The weights are BF16; written with a quantization plan, the matrices it selects are quantized from those BF16
 * values as they are generated, by the writer {@code glint quantize} uses: the checkpoint is the one quantizing the
 * BF16 checkpoint would give, without the BF16 checkpoint ever being on disk.
 */
public final class SyntheticCheckpoint {
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** {@link java.util.SplittableRandom}'s increment of its seed per value drawn. */
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final Glm4MoeConfig config;
    private final long seed;
    private final List<SourceTensor> tensors = new ArrayList<>();

    private SyntheticCheckpoint(Glm4MoeConfig config, long seed) {
        this.config = config;
        this.seed = seed;
    }

    /**
     * Writes config.json (that of {@code configFile}, with the {@code quantization_config} of {@code plan}),
     * generation_config.json and the weights into the new folder {@code outDir}, in shards of at most
     * {@code shardBytes} bytes of tensors, quantizing on {@code threads} threads ({@link GlintCheckpoint#write}).
     */
    public static GlintCheckpoint.Written write(Path configFile, Path outDir, long seed, QuantizationPlan plan,
                                                long shardBytes, int threads, QuantizationProgress progress)
            throws IOException {
        ObjectNode json = (ObjectNode) Glm4MoeConfig.readObject(configFile);
        Glm4MoeConfig config = Glm4MoeConfig.parse(json, configFile.toString());
        SyntheticCheckpoint synth = new SyntheticCheckpoint(config, seed);
        synth.describe();
        FloatCheckpoint checkpoint = new FloatCheckpoint(json, synth.tensors,
                Map.of("format", "pt", "glint_synth_seed", Long.toString(seed)),
                folder -> Files.writeString(folder.resolve("generation_config.json"),
                        "{\"eos_token_id\": " + config.eosTokenIds() + "}\n", StandardCharsets.UTF_8));
        return GlintCheckpoint.write(checkpoint, outDir, plan, shardBytes, threads, progress);
    }

    private void describe() {
        int hidden = config.hiddenSize();
        matrix("model.embed_tokens.weight", config.vocabSize(), hidden);
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            layer(l);
        }
        if (config.numNextnPredictLayers() > 0) {
            // GLM's MTP layer; its embed_tokens and shared_head.head, copies of the main ones in GLM checkpoints, are
            // left out: Glint shares the main model's.
            String p = "model.layers." + config.numHiddenLayers() + ".";
            ones(p + "enorm.weight", hidden);
            ones(p + "hnorm.weight", hidden);
            matrix(p + "eh_proj.weight", hidden, 2 * hidden);
            layer(config.numHiddenLayers());
            ones(p + "shared_head.norm.weight", hidden);
        }
        ones("model.norm.weight", hidden);
        matrix("lm_head.weight", config.vocabSize(), hidden);
    }

    private void layer(int l) {
        int hidden = config.hiddenSize();
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
            generated(p + "mlp.gate.e_score_correction_bias", DType.F32, new long[]{config.nRoutedExperts()},
                    uniform -> (float) (uniform * 0.1));
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

    private void mlp(String prefix, int intermediate) {
        matrix(prefix + "gate_proj.weight", intermediate, config.hiddenSize());
        matrix(prefix + "up_proj.weight", intermediate, config.hiddenSize());
        matrix(prefix + "down_proj.weight", config.hiddenSize(), intermediate);
    }

    private void matrix(String name, int rows, int cols) {
        double halfWidth = Math.sqrt(3.0 / cols);
        generated(name, DType.BF16, new long[]{rows, cols}, uniform -> (float) ((uniform * 2 - 1) * halfWidth));
    }

    private void ones(String name, int length) {
        generated(name, DType.BF16, new long[]{length}, uniform -> 1f);
    }

    private void small(String name, int length) {
        generated(name, DType.BF16, new long[]{length}, uniform -> (float) ((uniform * 2 - 1) * 0.02));
    }

    /** Each tensor gets its own stream, so its values don't depend on which tensors come before it. */
    private void generated(String name, DType dtype, long[] shape, Draw draw) {
        tensors.add(new Generated(name, dtype, shape, seed * GOLDEN_GAMMA + name.hashCode(), draw));
    }

    private interface Draw {
        float value(double uniform);
    }

    /**
     * A tensor whose element {@code i} is drawn from the {@code i}-th double {@code new SplittableRandom(stream)}
     * would give, computed directly (SplitMix64 hashes a counter) so that rows can be generated in any order, on any
     * thread. Its rows are the stored values widened back to float: quantizing them is quantizing the BF16 tensor.
     */
    private record Generated(String name, DType dtype, long[] shape, long stream, Draw draw)
            implements SourceTensor, FloatRows {

        @Override
        public TensorSpec stored() {
            return new TensorSpec(name, dtype, shape, this::fill);
        }

        private void fill(MemorySegment target) {
            long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            for (long i = 0; i < count; i++) {
                if (dtype == DType.BF16) {
                    target.setAtIndex(BF16, i, (short) (Float.floatToRawIntBits(element(i)) >>> 16));
                } else {
                    target.setAtIndex(F32, i, element(i));
                }
            }
        }

        /** Element {@code i} as stored: a BF16 value is the float's top half, truncated. */
        private float element(long i) {
            float value = draw.value(uniform(i));
            return dtype == DType.BF16 ? Float.intBitsToFloat(Float.floatToRawIntBits(value) & 0xFFFF0000) : value;
        }

        private double uniform(long i) {
            long z = stream + (i + 1) * GOLDEN_GAMMA;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return ((z ^ (z >>> 31)) >>> 11) * 0x1.0p-53;
        }

        @Override
        public FloatRows floatRows() {
            return this;
        }

        @Override
        public String describe() {
            return "synthetic tensor " + name;
        }

        @Override
        public int rows() {
            return Math.toIntExact(shape[0]);
        }

        @Override
        public int cols() {
            return Math.toIntExact(Arrays.stream(shape).skip(1).reduce(1, Math::multiplyExact));
        }

        @Override
        public void loadRow(int r, float[] dst) {
            int cols = cols();
            long first = (long) r * cols;
            for (int c = 0; c < cols; c++) {
                dst[c] = element(first + c);
            }
        }
    }
}
