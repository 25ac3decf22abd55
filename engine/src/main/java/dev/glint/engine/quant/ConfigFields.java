package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glint.engine.checkpoint.CheckpointException;

import java.util.ArrayList;
import java.util.List;

/** Typed fields of one object inside {@code quantization_config}; a field of the wrong type is refused by its path. */
record ConfigFields(JsonNode node, String path) {

    static ConfigFields of(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw new CheckpointException(path + " must be a JSON object, not " + node);
        }
        return new ConfigFields(node, path);
    }

    CheckpointException problem(String key, String what) {
        return new CheckpointException(path + "." + key + " " + what);
    }

    boolean present(String key) {
        return node.hasNonNull(key);
    }

    String string(String key, String fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw problem(key, "must be a string, not " + value);
        }
        return value.textValue();
    }

    int integer(String key, int fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToExactIntegral() || !value.canConvertToInt()) {
            throw problem(key, "must be an integer, not " + value);
        }
        return value.intValue();
    }

    boolean bool(String key, boolean fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw problem(key, "must be true or false, not " + value);
        }
        return value.booleanValue();
    }

    List<String> strings(String key) {
        JsonNode value = node.get(key);
        List<String> values = new ArrayList<>();
        if (value == null || value.isNull()) {
            return values;
        }
        if (!value.isArray()) {
            throw problem(key, "must be a list of strings, not " + value);
        }
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw problem(key, "must be a list of strings; it holds " + item);
            }
            values.add(item.textValue());
        }
        return values;
    }

    /** A list of exactly two positive integers, such as a block shape; null when absent. */
    int[] positivePair(String key) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray() || value.size() != 2 || !value.get(0).canConvertToExactIntegral()
                || !value.get(1).canConvertToExactIntegral() || value.get(0).intValue() < 1 || value.get(1).intValue() < 1) {
            throw problem(key, "must be two positive integers such as [128, 128], not " + value);
        }
        return new int[]{value.get(0).intValue(), value.get(1).intValue()};
    }

    ConfigFields object(String key) {
        return of(node.get(key), path + "." + key);
    }
}
