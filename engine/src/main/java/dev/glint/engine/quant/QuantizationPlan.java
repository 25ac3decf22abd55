package dev.glint.engine.quant;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which kinds of matrices Glint quantizes, and to what. The defaults follow llama.cpp's Q4_K_M spirit: every
 * projection a token runs through (routed and shared experts, the dense MLP, attention) is quantized; the embedding
 * table stays as stored (a token reads one row of it); the LM head, the matrix most sensitive to error, goes to q8
 * under every format (llama.cpp's Q8_0 makes its output tensor Q8_0, and its 4-bit types keep it at higher precision
 * than the rest). Under fp8 that replaces the BF16 LM head of the official GLM FP8 checkpoints: it is half the bytes a
 * decoded token reads from it, and measured a quarter faster decode on glm-bench. Routers, norms and biases are never
 * quantized.
 */
public record QuantizationPlan(Map<TensorKind, QuantFormat> formats) {
    public static final QuantizationPlan NONE = new QuantizationPlan(Map.of());
    private static final List<TensorKind> PROJECTIONS =
            List.of(TensorKind.EXPERTS, TensorKind.SHARED, TensorKind.ATTENTION, TensorKind.DENSE);

    public QuantizationPlan {
        formats = Collections.unmodifiableMap(formats.isEmpty() ? new EnumMap<>(TensorKind.class) : new EnumMap<>(formats));
    }

    public static QuantizationPlan defaults(QuantFormat format) {
        Map<TensorKind, QuantFormat> formats = new EnumMap<>(TensorKind.class);
        PROJECTIONS.forEach(kind -> formats.put(kind, format));
        formats.put(TensorKind.LM_HEAD, QuantFormat.Q8);
        return new QuantizationPlan(formats);
    }

    /**
     * {@code format} for the kinds listed in {@code kinds} ({@code "experts,shared,attention,dense,lm_head,embeddings"}),
     * a kind written {@code kind:format} getting its own format; null {@code kinds} means the defaults.
     *
     * @throws IllegalArgumentException naming a bad entry
     */
    public static QuantizationPlan parse(QuantFormat format, String kinds) {
        if (kinds == null) {
            return defaults(format);
        }
        Map<TensorKind, QuantFormat> formats = new EnumMap<>(TensorKind.class);
        for (String entry : kinds.split(",")) {
            String[] parts = entry.strip().split(":", 2);
            String where = "--quantize-tensors entry \"" + entry.strip() + "\"";
            TensorKind kind = TensorKind.parse(parts[0], where);
            if (formats.put(kind, parts.length == 2 ? QuantFormat.parse(parts[1], where) : format) != null) {
                throw new IllegalArgumentException(where + ": " + kind.id() + " is listed twice");
            }
        }
        return new QuantizationPlan(formats);
    }

    public boolean isEmpty() {
        return formats.isEmpty();
    }

    /** The format for the matrix {@code tensorName}, empty when it stays as stored. */
    public Optional<QuantFormat> formatFor(String tensorName) {
        return TensorKind.of(tensorName).map(formats::get);
    }

    /** For example {@code "q4: experts, shared, attention, dense; q8: lm_head"}. */
    public String describe() {
        if (formats.isEmpty()) {
            return "none";
        }
        Map<QuantFormat, List<String>> byFormat = formats.entrySet().stream().collect(Collectors.groupingBy(
                Map.Entry::getValue, () -> new EnumMap<>(QuantFormat.class),
                Collectors.mapping(e -> e.getKey().id(), Collectors.toList())));
        return byFormat.entrySet().stream().map(e -> e.getKey().id() + ": " + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "));
    }
}
