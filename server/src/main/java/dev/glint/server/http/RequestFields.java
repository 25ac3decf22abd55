package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Typed reads of request fields: absent or null means the default, the wrong type is a 400 naming the field. */
final class RequestFields {
    private final JsonNode body;

    RequestFields(JsonNode body) {
        this.body = body;
    }

    boolean has(String name) {
        return body.hasNonNull(name);
    }

    double number(String name, double fallback, double min, double max) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber() || node.doubleValue() < min || node.doubleValue() > max || Double.isNaN(node.doubleValue())) {
            throw ApiException.badRequest(name, "'" + name + "' must be a number between " + min + " and " + max + ", got " + node);
        }
        return node.doubleValue();
    }

    int integer(String name, int fallback, int min, int max) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            throw ApiException.badRequest(name, "'" + name + "' must be an integer between " + min + " and " + max + ", got " + node);
        }
        return node.intValue();
    }

    long longInteger(String name, long fallback) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw ApiException.badRequest(name, "'" + name + "' must be an integer, got " + node);
        }
        return node.longValue();
    }

    boolean bool(String name, boolean fallback) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw ApiException.badRequest(name, "'" + name + "' must be true or false, got " + node);
        }
        return node.booleanValue();
    }

    String string(String name, String fallback) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest(name, "'" + name + "' must be a string, got " + node);
        }
        return node.textValue();
    }

    /** A string or a list of strings, as {@code stop} may be. */
    List<String> strings(String name) {
        JsonNode node = body.get(name);
        List<String> values = new ArrayList<>();
        if (node == null || node.isNull()) {
            return values;
        }
        if (node.isTextual()) {
            values.add(node.textValue());
            return values;
        }
        if (!node.isArray()) {
            throw ApiException.badRequest(name, "'" + name + "' must be a string or a list of strings, got " + node);
        }
        for (JsonNode item : node) {
            if (!item.isTextual() || item.textValue().isEmpty()) {
                throw ApiException.badRequest(name, "'" + name + "' must hold non-empty strings, found " + item);
            }
            values.add(item.textValue());
        }
        return values;
    }

    JsonNode object(String name) {
        JsonNode node = body.get(name);
        if (node != null && !node.isNull() && !node.isObject()) {
            throw ApiException.badRequest(name, "'" + name + "' must be an object, got " + node);
        }
        return node;
    }
}
