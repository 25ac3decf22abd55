package dev.glint.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        Fields f = new Fields(root, source);
        String modelType = f.string("model_type", null);
        if (!"glm4_moe".equals(modelType)) {
            throw new ConfigException(source + ": model_type is " + (modelType == null ? "missing" : "\"" + modelType + "\"")
                    + "; Glint runs glm4_moe (GLM-4.5, GLM-4.5-Air, GLM-4.6, GLM-4.7)");
        }
        String act = f.string("hidden_act", "silu");
        if (!"silu".equals(act)) {
            throw new ConfigException(source + ": hidden_act \"" + act + "\" is not supported; glm4_moe uses silu");
        }
        JsonNode ropeScaling = root.get("rope_scaling");
        if (ropeScaling != null && !ropeScaling.isNull()) {
            throw new ConfigException(source + ": rope_scaling " + ropeScaling + " is not supported; GLM-4.x checkpoints have none");
        }
        // transformers >= 5 re-saves rope settings under rope_parameters; those win over the top-level keys.
        JsonNode rope = root.path("rope_parameters");
        String ropeType = rope.path("rope_type").asText("default");
        if (!"default".equals(ropeType)) {
            throw new ConfigException(source + ": rope_parameters.rope_type \"" + ropeType + "\" is not supported; only default RoPE");
        }
        double ropeTheta = f.positiveDouble(rope.has("rope_theta") ? rope : root, "rope_theta", 10000.0);
        double partialRotary = f.positiveDouble(rope.has("partial_rotary_factor") ? rope : root, "partial_rotary_factor", 0.5);

        int hidden = f.positiveInt("hidden_size");
        int heads = f.positiveInt("num_attention_heads");
        int headDim = root.hasNonNull("head_dim") ? f.positiveInt("head_dim") : derivedHeadDim(hidden, heads, source);
        int kvHeads = f.positiveInt("num_key_value_heads");
        if (heads % kvHeads != 0) {
            throw new ConfigException(source + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int rotaryDim = (int) (headDim * partialRotary);
        if (partialRotary > 1 || rotaryDim % 2 != 0) {
            throw new ConfigException(source + ": partial_rotary_factor " + partialRotary + " with head_dim " + headDim
                    + " gives rotary dim " + rotaryDim + "; it must be even and at most head_dim");
        }
        int experts = f.positiveInt("n_routed_experts");
        int perToken = f.positiveInt("num_experts_per_tok");
        int nGroup = f.positiveInt("n_group", 1);
        int topkGroup = f.positiveInt("topk_group", 1);
        if (perToken > experts || experts % nGroup != 0 || topkGroup > nGroup) {
            throw new ConfigException(source + ": routing needs num_experts_per_tok <= n_routed_experts, n_routed_experts divisible by n_group"
                    + " and topk_group <= n_group; got " + perToken + ", " + experts + ", " + nGroup + ", " + topkGroup);
        }
        if (nGroup > 1 && experts / nGroup < 2) {
            throw new ConfigException(source + ": group-limited routing scores each group by its top 2 experts; "
                    + experts + " experts in " + nGroup + " groups leaves fewer than 2 per group");
        }
        return new Glm4MoeConfig(
                f.positiveInt("vocab_size"),
                hidden,
                f.positiveInt("intermediate_size"),
                f.positiveInt("moe_intermediate_size"),
                f.positiveInt("num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                partialRotary,
                ropeTheta,
                (float) f.positiveDouble("rms_norm_eps", 1e-5),
                f.bool("attention_bias", false),
                f.bool("use_qk_norm", false),
                experts,
                f.nonNegativeInt("n_shared_experts", 1),
                perToken,
                f.nonNegativeInt("first_k_dense_replace", 1),
                nGroup,
                topkGroup,
                f.bool("norm_topk_prob", true),
                (float) f.positiveDouble("routed_scaling_factor", 1.0),
                f.positiveInt("max_position_embeddings", 131072),
                f.bool("tie_word_embeddings", false),
                f.nonNegativeInt("num_nextn_predict_layers", 0),
                f.intList("eos_token_id"));
    }

    /** An id or a list of ids, as {@code eos_token_id} may be either; absent means none. */
    static List<Integer> tokenIds(JsonNode node, String source, String name) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isIntegralNumber()) {
            return List.of(node.intValue());
        }
        if (!node.isArray()) {
            throw new ConfigException(source + ": \"" + name + "\" must be a token id or a list of them, not " + node);
        }
        List<Integer> ids = new ArrayList<>();
        for (JsonNode id : node) {
            if (!id.isIntegralNumber()) {
                throw new ConfigException(source + ": \"" + name + "\" must hold integer token ids, found " + id);
            }
            ids.add(id.intValue());
        }
        return List.copyOf(ids);
    }

    private static int derivedHeadDim(int hidden, int heads, String source) {
        if (hidden % heads != 0) {
            throw new ConfigException(source + ": head_dim is missing and hidden_size " + hidden
                    + " is not a multiple of num_attention_heads " + heads + "; GLM-4.5 configs state head_dim explicitly");
        }
        return hidden / heads;
    }

    /** Typed reads of config fields that name the field and file when one is missing or malformed. */
    private record Fields(JsonNode root, String source) {

        int positiveInt(String name) {
            JsonNode node = root.get(name);
            if (node == null || node.isNull()) {
                throw new ConfigException(source + " is missing required field \"" + name + "\"");
            }
            return checkedPositive(name, node);
        }

        int positiveInt(String name, int fallback) {
            return root.hasNonNull(name) ? checkedPositive(name, root.get(name)) : fallback;
        }

        int nonNegativeInt(String name, int fallback) {
            if (!root.hasNonNull(name)) {
                return fallback;
            }
            JsonNode node = root.get(name);
            if (!node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() < 0) {
                throw new ConfigException(source + ": \"" + name + "\" must be a non-negative integer, not " + node);
            }
            return node.intValue();
        }

        private int checkedPositive(String name, JsonNode node) {
            if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() <= 0) {
                throw new ConfigException(source + ": \"" + name + "\" must be a positive integer, not " + node);
            }
            return node.intValue();
        }

        double positiveDouble(String name, double fallback) {
            return positiveDouble(root, name, fallback);
        }

        double positiveDouble(JsonNode container, String name, double fallback) {
            JsonNode value = container.get(name);
            if (value == null || value.isNull()) {
                return fallback;
            }
            if (!value.isNumber() || !(value.doubleValue() > 0) || Double.isInfinite(value.doubleValue())) {
                throw new ConfigException(source + ": \"" + name + "\" must be a positive number, not " + value);
            }
            return value.doubleValue();
        }

        boolean bool(String name, boolean fallback) {
            if (!root.hasNonNull(name)) {
                return fallback;
            }
            JsonNode node = root.get(name);
            if (!node.isBoolean()) {
                throw new ConfigException(source + ": \"" + name + "\" must be true or false, not " + node);
            }
            return node.booleanValue();
        }

        String string(String name, String fallback) {
            JsonNode node = root.get(name);
            return node == null || node.isNull() ? fallback : node.asText();
        }

        List<Integer> intList(String name) {
            return tokenIds(root.get(name), source, name);
        }
    }
}
