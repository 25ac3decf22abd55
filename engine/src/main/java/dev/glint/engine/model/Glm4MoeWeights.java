package dev.glint.engine.model;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.quant.MatrixReader;
import dev.glint.kernels.Matrix;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of a {@code Glm4MoeForCausalLM} checkpoint under their Hugging Face names, each checked for shape.
 * Matrices stay in the mapped file; the small 1-D tensors (norm weights, biases, the routing bias) are widened to
 * float arrays once. The MTP layer at index {@code num_hidden_layers} is not read: the main forward pass skips it.
 */
public record Glm4MoeWeights(Matrix embedTokens, List<Layer> layers, float[] norm, Matrix lmHead, MatrixReader matrices)
        implements AutoCloseable {

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

    public static Glm4MoeWeights load(Checkpoint checkpoint, Glm4MoeConfig config) {
        return load(checkpoint, config, MatrixReader.open(checkpoint));
    }

    /** Takes ownership of {@code matrices}, which reads (or has quantized) the checkpoint's matrices. */
    public static Glm4MoeWeights load(Checkpoint checkpoint, Glm4MoeConfig config, MatrixReader matrices) {
        try {
            return load(new Reader(checkpoint, matrices), checkpoint, config);
        } catch (RuntimeException e) {
            matrices.close();
            throw e;
        }
    }

    private static Glm4MoeWeights load(Reader read, Checkpoint checkpoint, Glm4MoeConfig config) {
        int hidden = config.hiddenSize();
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String p = "model.layers." + l + ".";
            layers.add(new Layer(
                    read.vector(p + "input_layernorm.weight", hidden),
                    selfAttention(read, config, p + "self_attn."),
                    read.vector(p + "post_attention_layernorm.weight", hidden),
                    config.isMoeLayer(l) ? null : mlp(read, p + "mlp.", hidden, config.intermediateSize()),
                    config.isMoeLayer(l) ? moe(read, config, p + "mlp.") : null));
        }
        Matrix embed = read.matrix("model.embed_tokens.weight", config.vocabSize(), hidden);
        Matrix head = config.tieWordEmbeddings() && !checkpoint.contains("lm_head.weight") ? embed
                : read.matrix("lm_head.weight", config.vocabSize(), hidden);
        return new Glm4MoeWeights(embed, List.copyOf(layers), read.vector("model.norm.weight", hidden), head, read.matrices());
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
