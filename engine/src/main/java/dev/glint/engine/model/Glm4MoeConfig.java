package dev.glint.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.checkpoint.JsonFields;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static java.lang.Integer.MAX_VALUE;

/**
 * The {@code glm4_moe} architecture as its Hugging Face {@code config.json} describes it. Optional fields take the
 * defaults of transformers' {@code Glm4MoeConfig}; the dimensions have no defaults and must be present.
 */
public record Glm4MoeConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int moeIntermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double partialRotaryFactor,
        double ropeTheta,
        float rmsNormEps,
        boolean attentionBias,
        boolean useQkNorm,
        int nRoutedExperts,
        int nSharedExperts,
        int numExpertsPerTok,
        int firstKDenseReplace,
        int nGroup,
        int topkGroup,
        boolean normTopkProb,
        float routedScalingFactor,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        int numNextnPredictLayers,
        List<Integer> eosTokenIds) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Number of leading dimensions of each head that RoPE rotates. */
    public int rotaryDim() {
        return (int) (headDim * partialRotaryFactor);
    }

    public int qDim() {
        return numAttentionHeads * headDim;
    }

    public int kvDim() {
        return numKeyValueHeads * headDim;
    }

    public boolean isMoeLayer(int layer) {
        return layer >= firstKDenseReplace;
    }

    public static Glm4MoeConfig load(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(modelDir + " has no config.json: it is not a Hugging Face model folder");
        }
        return parse(readObject(file), file.toString());
    }

    /** Reads a JSON file that must hold an object, refusing anything else with the file's name. */
    static JsonNode readObject(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(file + " must hold a JSON object");
        }
        return root;
    }

    static Glm4MoeConfig parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new ConfigException(source + " must hold a JSON object");
        }
        JsonFields f = fields(root, source);
        String modelType = f.string("model_type", null);
        if (!"glm4_moe".equals(modelType)) {
            throw new ConfigException(source + ": model_type is " + (modelType == null ? "missing" : "\"" + modelType + "\"")
                    + "; Glint runs glm4_moe (GLM-4.5, GLM-4.5-Air, GLM-4.6, GLM-4.7)");
        }
        String act = f.string("hidden_act", "silu");
        if (!"silu".equals(act)) {
            throw f.problem("hidden_act", "\"" + act + "\" is not supported; glm4_moe uses silu");
        }
        if (f.has("rope_scaling")) {
            throw f.problem("rope_scaling", f.get("rope_scaling") + " is not supported; GLM-4.x checkpoints have none");
        }
        // transformers >= 5 re-saves rope settings under rope_parameters; those win over the top-level keys.
        JsonFields rope = f.objectOrEmpty("rope_parameters");
        String ropeType = rope.string("rope_type", "default");
        if (!"default".equals(ropeType)) {
            throw rope.problem("rope_type", "\"" + ropeType + "\" is not supported; only default RoPE");
        }
        double ropeTheta = (rope.has("rope_theta") ? rope : f).positiveNumber("rope_theta", 10000.0);
        double partialRotary = (rope.has("partial_rotary_factor") ? rope : f).positiveNumber("partial_rotary_factor", 0.5);

        int hidden = f.integer("hidden_size", 1, MAX_VALUE);
        int heads = f.integer("num_attention_heads", 1, MAX_VALUE);
        int headDim = f.has("head_dim") ? f.integer("head_dim", 1, MAX_VALUE) : derivedHeadDim(hidden, heads, source);
        int kvHeads = f.integer("num_key_value_heads", 1, MAX_VALUE);
        if (heads % kvHeads != 0) {
            throw new ConfigException(source + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int rotaryDim = (int) (headDim * partialRotary);
        if (partialRotary > 1 || rotaryDim % 2 != 0) {
            throw new ConfigException(source + ": partial_rotary_factor " + partialRotary + " with head_dim " + headDim
                    + " gives rotary dim " + rotaryDim + "; it must be even and at most head_dim");
        }
        int experts = f.integer("n_routed_experts", 1, MAX_VALUE);
        int perToken = f.integer("num_experts_per_tok", 1, MAX_VALUE);
        int nGroup = f.integer("n_group", 1, 1, MAX_VALUE);
        int topkGroup = f.integer("topk_group", 1, 1, MAX_VALUE);
        if (perToken > experts || experts % nGroup != 0 || topkGroup > nGroup) {
            throw new ConfigException(source + ": routing needs num_experts_per_tok <= n_routed_experts, n_routed_experts divisible by n_group"
                    + " and topk_group <= n_group; got " + perToken + ", " + experts + ", " + nGroup + ", " + topkGroup);
        }
        if (nGroup > 1 && experts / nGroup < 2) {
            throw new ConfigException(source + ": group-limited routing scores each group by its top 2 experts; "
                    + experts + " experts in " + nGroup + " groups leaves fewer than 2 per group");
        }
        return new Glm4MoeConfig(
                f.integer("vocab_size", 1, MAX_VALUE),
                hidden,
                f.integer("intermediate_size", 1, MAX_VALUE),
                f.integer("moe_intermediate_size", 1, MAX_VALUE),
                f.integer("num_hidden_layers", 1, MAX_VALUE),
                heads,
                kvHeads,
                headDim,
                partialRotary,
                ropeTheta,
                (float) f.positiveNumber("rms_norm_eps", 1e-5),
                f.bool("attention_bias", false),
                f.bool("use_qk_norm", false),
                experts,
                f.integer("n_shared_experts", 1, 0, MAX_VALUE),
                perToken,
                f.integer("first_k_dense_replace", 1, 0, MAX_VALUE),
                nGroup,
                topkGroup,
                f.bool("norm_topk_prob", true),
                (float) f.positiveNumber("routed_scaling_factor", 1.0),
                f.integer("max_position_embeddings", 131072, 1, MAX_VALUE),
                f.bool("tie_word_embeddings", false),
                f.integer("num_nextn_predict_layers", 0, 0, MAX_VALUE),
                eosTokenIds(f, List.of()));
    }

    /** The fields of a config file's JSON object, any of them refused with the file's name. */
    static JsonFields fields(JsonNode root, String source) {
        return JsonFields.of(root, "", (path, problem) -> new ConfigException(source + ": " + path + " " + problem));
    }

    /** {@code eos_token_id}, which may be one token id or a list of them. */
    static List<Integer> eosTokenIds(JsonFields fields, List<Integer> fallback) {
        JsonNode ids = fields.get("eos_token_id");
        if (ids == null) {
            return fallback;
        }
        if (ids.isNumber()) {
            return List.of(fields.integer("eos_token_id", 0, MAX_VALUE));
        }
        if (ids.isArray()) {
            return fields.integers("eos_token_id", List.of(), 0, MAX_VALUE);
        }
        throw fields.mismatch("eos_token_id", "a token id or a list of them");
    }

    private static int derivedHeadDim(int hidden, int heads, String source) {
        if (hidden % heads != 0) {
            throw new ConfigException(source + ": head_dim is missing and hidden_size " + hidden
                    + " is not a multiple of num_attention_heads " + heads + "; GLM-4.5 configs state head_dim explicitly");
        }
        return hidden / heads;
    }
}
