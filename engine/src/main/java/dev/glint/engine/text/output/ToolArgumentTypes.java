package dev.glint.engine.text.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Types tool-call argument values by the declared tools' JSON schemas. GLM writes every value as bare text, so
 * only the schema can tell the string {@code "007"} from the integer 7: a parameter declared {@code string}
 * keeps its text exactly (whitespace, leading zeros), other declared types are parsed as strict JSON, and
 * undeclared parameters are JSON when they parse and text otherwise. Text that does not parse stays text.
 */
final class ToolArgumentTypes {
    private static final ObjectMapper STRICT_JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    /** Tool name → parameter name → the JSON types the schema allows. */
    private final Map<String, Map<String, Set<String>>> types = new HashMap<>();

    ToolArgumentTypes(JsonNode tools) {
        if (tools == null) {
            return;
        }
        for (JsonNode tool : tools) {
            JsonNode function = tool.has("function") ? tool.get("function") : tool;
            JsonNode schema = function.has("parameters") ? function.get("parameters") : function.path("input_schema");
            Map<String, Set<String>> parameters = new HashMap<>();
            schema.path("properties").properties().forEach(p -> parameters.put(p.getKey(), typesOf(p.getValue())));
            types.putIfAbsent(function.path("name").asText(), parameters);
        }
    }

    JsonNode value(String tool, String parameter, String text) {
        Set<String> declared = types.getOrDefault(tool, Map.of()).getOrDefault(parameter, Set.of());
        Set<String> nonNull = new LinkedHashSet<>(declared);
        nonNull.remove("null");
        if (nonNull.equals(Set.of("string"))) {
            return TextNode.valueOf(text);
        }
        JsonNode parsed = parse(text);
        if (parsed == null || (declared.contains("string") && !declared.contains(jsonType(parsed)))) {
            return TextNode.valueOf(text);
        }
        return parsed;
    }

    private static JsonNode parse(String text) {
        try {
            return STRICT_JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String jsonType(JsonNode value) {
        return switch (value.getNodeType()) {
            case STRING -> "string";
            case BOOLEAN -> "boolean";
            case NUMBER -> value.isIntegralNumber() ? "integer" : "number";
            case ARRAY -> "array";
            case OBJECT -> "object";
            default -> "null";
        };
    }

    /** The types a property schema allows: {@code type} (a name or a list), else its anyOf/oneOf, else its enum. */
    private static Set<String> typesOf(JsonNode schema) {
        Set<String> out = new LinkedHashSet<>();
        JsonNode type = schema.get("type");
        if (type != null && type.isTextual()) {
            out.add(type.textValue());
        } else if (type != null && type.isArray()) {
            type.forEach(t -> out.add(t.asText()));
        } else if (schema.has("anyOf") || schema.has("oneOf")) {
            schema.path(schema.has("anyOf") ? "anyOf" : "oneOf").forEach(s -> out.addAll(typesOf(s)));
        } else if (schema.has("enum")) {
            schema.get("enum").forEach(v -> out.add(jsonType(v)));
        }
        if (out.contains("number")) {
            out.add("integer");
        }
        return out;
    }
}
