package dev.glint.engine.quant;

import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The kinds of weight matrices a quantization plan chooses among, recognised by their Hugging Face names. Routers
 * ({@code mlp.gate}), norms, biases and {@code e_score_correction_bias} belong to none: they are never quantized.
 */
public enum TensorKind {
    EXPERTS("experts", Pattern.compile("model\\.layers\\.\\d+\\.mlp\\.experts\\.\\d+\\.(gate|up|down)_proj\\.weight")),
    SHARED("shared", Pattern.compile("model\\.layers\\.\\d+\\.mlp\\.shared_experts\\.(gate|up|down)_proj\\.weight")),
    ATTENTION("attention", Pattern.compile("model\\.layers\\.\\d+\\.self_attn\\.[qkvo]_proj\\.weight")),
    DENSE("dense", Pattern.compile("model\\.layers\\.\\d+\\.mlp\\.(gate|up|down)_proj\\.weight")),
    LM_HEAD("lm_head", Pattern.compile("lm_head\\.weight")),
    EMBEDDINGS("embeddings", Pattern.compile("model\\.embed_tokens\\.weight"));

    private final String id;
    private final Pattern names;

    TensorKind(String id, Pattern names) {
        this.id = id;
        this.names = names;
    }

    /** The name used on the command line and in {@code quantization_config.modules}. */
    public String id() {
        return id;
    }

    /** The kind of the matrix {@code tensorName}, empty for a tensor no plan quantizes. */
    public static Optional<TensorKind> of(String tensorName) {
        return Arrays.stream(values()).filter(k -> k.names.matcher(tensorName).matches()).findFirst();
    }

    /** @throws IllegalArgumentException naming the accepted kinds */
    public static TensorKind parse(String id, String where) {
        return Ids.parse(values(), TensorKind::id, id, where, "tensor kind");
    }
}
