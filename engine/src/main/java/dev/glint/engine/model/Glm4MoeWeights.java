package dev.glint.engine.model;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.quant.MatrixReader;
import dev.glint.kernels.Matrix;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The tensors of a {@code Glm4MoeForCausalLM} checkpoint under their Hugging Face names, each checked for shape.
 * Matrices stay in the mapped file; the small 1-D tensors (norm weights, biases, the routing bias) are widened to
 * float arrays once. The multi-token-prediction layer at index {@code num_hidden_layers} is {@link #mtp} when it was asked
 * for and the checkpoint has one; null otherwise.
 */
public record Glm4MoeWeights(Matrix embedTokens, List<Layer> layers, float[] norm, Matrix lmHead, Mtp mtp,
                             MatrixReader matrices) implements AutoCloseable {

    public record Layer(float[] inputLayernorm, SelfAttention selfAttention, float[] postAttentionLayernorm, Mlp mlp, Moe moe) {
    }

    /** q/k/v biases are null without {@code attention_bias}; q/k norms are null without {@code use_qk_norm}. */
    public record SelfAttention(Matrix qProj, float[] qBias, Matrix kProj, float[] kBias, Matrix vProj, float[] vBias,
                            Matrix oProj, float[] qNorm, float[] kNorm) {
    }

    public record Mlp(Matrix gateProj, Matrix upProj, Matrix downProj) {
    }

    /** The router {@code gate} is always used in float32, whatever its stored type. */
    public record Moe(Matrix gate, float[] eScoreCorrectionBias, List<Mlp> experts, Mlp sharedExperts) {
    }

    /**
     * GLM's multi-token-prediction (nextn) layer: {@code eh_proj} mixes the next token's normed embedding with the
     * main model's normed last hidden state, one decoder layer follows, then its own norm and head. GLM checkpoints
     * store the layer's {@code embed_tokens} and {@code shared_head.head} as copies of the main model's, and vLLM
     * shares them; so does Glint, unless the stored copy differs.
     */
    public record Mtp(float[] enorm, float[] hnorm, Matrix ehProj, Layer layer, float[] sharedHeadNorm, Matrix embedTokens,
                      Matrix sharedHead) {
    }

    public static Glm4MoeWeights load(Checkpoint checkpoint, Glm4MoeConfig config) {
        return load(checkpoint, config, MatrixReader.open(checkpoint));
    }

    /** Takes ownership of {@code matrices}, which reads (or has quantized) the checkpoint's matrices. */
    public static Glm4MoeWeights load(Checkpoint checkpoint, Glm4MoeConfig config, MatrixReader matrices) {
        return load(checkpoint, config, matrices, false);
    }

    /**
     * As above, with the MTP layer when {@code withMtp} and the checkpoint has one: only drafting reads it, and loading
     * it compares its head with the LM head and quantizes it with the rest.
     */
    public static Glm4MoeWeights load(Checkpoint checkpoint, Glm4MoeConfig config, MatrixReader matrices, boolean withMtp) {
        try {
            return load(new Reader(checkpoint, matrices), checkpoint, config, withMtp);
        } catch (RuntimeException e) {
            matrices.close();
            throw e;
        }
    }

    private static Glm4MoeWeights load(Reader read, Checkpoint checkpoint, Glm4MoeConfig config, boolean withMtp) {
        int hidden = config.hiddenSize();
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            layers.add(layer(read, config, l));
        }
        Matrix embed = read.matrix("model.embed_tokens.weight", config.vocabSize(), hidden);
        Matrix head = config.tieWordEmbeddings() && !checkpoint.contains("lm_head.weight") ? embed
                : read.matrix("lm_head.weight", config.vocabSize(), hidden);
        Mtp mtp = withMtp && hasMtp(checkpoint, config) ? mtp(read, config, embed, head) : null;
        return new Glm4MoeWeights(embed, List.copyOf(layers), read.vector("model.norm.weight", hidden), head, mtp,
                read.matrices());
    }

    /** Whether the checkpoint holds the MTP layer its config announces (quantized copies may have left it out). */
    private static boolean hasMtp(Checkpoint checkpoint, Glm4MoeConfig config) {
        return config.numNextnPredictLayers() > 0
                && checkpoint.contains("model.layers." + config.numHiddenLayers() + ".eh_proj.weight");
    }

    private static Layer layer(Reader read, Glm4MoeConfig config, int l) {
        int hidden = config.hiddenSize();
        String p = "model.layers." + l + ".";
        return new Layer(
                read.vector(p + "input_layernorm.weight", hidden),
                selfAttention(read, config, p + "self_attn."),
                read.vector(p + "post_attention_layernorm.weight", hidden),
                config.isMoeLayer(l) ? null : mlp(read, p + "mlp.", hidden, config.intermediateSize()),
                config.isMoeLayer(l) ? moe(read, config, p + "mlp.") : null);
    }

    private static Mtp mtp(Reader read, Glm4MoeConfig config, Matrix embed, Matrix head) {
        int hidden = config.hiddenSize();
        int l = config.numHiddenLayers();
        String p = "model.layers." + l + ".";
        return new Mtp(
                read.vector(p + "enorm.weight", hidden),
                read.vector(p + "hnorm.weight", hidden),
                read.matrix(p + "eh_proj.weight", hidden, 2 * hidden),
                layer(read, config, l),
                read.vector(p + "shared_head.norm.weight", hidden),
                read.copyOrShared(p + "embed_tokens.weight", "model.embed_tokens.weight", embed, config.vocabSize(), hidden),
                read.copyOrShared(p + "shared_head.head.weight", "lm_head.weight", head, config.vocabSize(), hidden));
    }

    /** Frees what loading repacked off-heap (Int4 weights, widened scales); the mapped file belongs to the checkpoint. */
    @Override
    public void close() {
        matrices.close();
    }

    private static SelfAttention selfAttention(Reader read, Glm4MoeConfig c, String p) {
        int hidden = c.hiddenSize();
        boolean bias = c.attentionBias();
        boolean qkNorm = c.useQkNorm();
        return new SelfAttention(
                read.matrix(p + "q_proj.weight", c.qDim(), hidden), bias ? read.vector(p + "q_proj.bias", c.qDim()) : null,
                read.matrix(p + "k_proj.weight", c.kvDim(), hidden), bias ? read.vector(p + "k_proj.bias", c.kvDim()) : null,
                read.matrix(p + "v_proj.weight", c.kvDim(), hidden), bias ? read.vector(p + "v_proj.bias", c.kvDim()) : null,
                read.matrix(p + "o_proj.weight", hidden, c.qDim()),
                qkNorm ? read.vector(p + "q_norm.weight", c.headDim()) : null,
                qkNorm ? read.vector(p + "k_norm.weight", c.headDim()) : null);
    }

    private static Mlp mlp(Reader read, String p, int hidden, int intermediate) {
        return new Mlp(
                read.matrix(p + "gate_proj.weight", intermediate, hidden),
                read.matrix(p + "up_proj.weight", intermediate, hidden),
                read.matrix(p + "down_proj.weight", hidden, intermediate));
    }

    private static Moe moe(Reader read, Glm4MoeConfig c, String p) {
        List<Mlp> experts = new ArrayList<>();
        for (int e = 0; e < c.nRoutedExperts(); e++) {
            experts.add(mlp(read, p + "experts." + e + ".", c.hiddenSize(), c.moeIntermediateSize()));
        }
        Mlp shared = c.nSharedExperts() == 0 ? null
                : mlp(read, p + "shared_experts.", c.hiddenSize(), c.moeIntermediateSize() * c.nSharedExperts());
        return new Moe(
                read.matrix(p + "gate.weight", c.nRoutedExperts(), c.hiddenSize()),
                read.vector(p + "gate.e_score_correction_bias", c.nRoutedExperts()),
                List.copyOf(experts), shared);
    }

    /** Typed, shape-checked views of checkpoint tensors; matrices are read as the checkpoint's quantization says. */
    private record Reader(Checkpoint checkpoint, MatrixReader matrices) {

        Matrix matrix(String name, int rows, int cols) {
            return matrices.read(name, rows, cols);
        }

        /**
         * {@code shared}, read as {@code mainName}, unless the checkpoint stores {@code name} as a plain tensor that
         * differs from {@code mainName}'s bytes: then that copy, read on its own.
         */
        Matrix copyOrShared(String name, String mainName, Matrix shared, int rows, int cols) {
            if (!checkpoint.contains(name) || !checkpoint.contains(mainName)) {
                return shared;
            }
            Tensor copy = checkpoint.tensor(name);
            Tensor main = checkpoint.tensor(mainName);
            boolean same = copy.dtype() == main.dtype() && Arrays.equals(copy.shape(), main.shape())
                    && copy.data().mismatch(main.data()) == -1;
            return same ? shared : matrix(name, rows, cols);
        }

        float[] vector(String name, int length) {
            Tensor t = checkpoint.tensor(name, length);
            float[] values = new float[length];
            for (int i = 0; i < length; i++) {
                values[i] = switch (t.dtype()) {
                    case F32 -> t.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i);
                    case BF16 -> Float.intBitsToFloat(
                            (t.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i) & 0xFFFF) << 16);
                    case F16 -> Float.float16ToFloat(
                            t.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i));
                    default -> throw new CheckpointException("tensor " + name + " in " + t.file() + " is " + t.dtype()
                            + "; Glint reads norm weights and biases as F32, BF16 or F16");
                };
            }
            return values;
        }
    }
}
