package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glint.engine.checkpoint.JsonFields;

import java.util.List;

/**
 * Typed reads of request fields by the engine's rules ({@link JsonFields}): absent or null means the default, and a
 * field those rules refuse is a 400 whose {@code param} is the field's path.
 */
final class RequestFields {
    private final JsonFields fields;

    RequestFields(JsonNode body) {
        this(JsonFields.of(body, "", (path, problem) -> ApiException.badRequest(path, path + " " + problem)));
    }

    private RequestFields(JsonFields fields) {
        this.fields = fields;
    }

    /** The fields of a nested object (none when it is not given), refused by their whole path ({@code stream_options.include_usage}). */
    RequestFields inside(String name) {
        return new RequestFields(fields.objectOrEmpty(name));
    }

    boolean has(String name) {
        return fields.has(name);
    }

    double number(String name, double fallback, double min, double max) {
        return fields.number(name, fallback, min, max);
    }

    int integer(String name, int fallback, int min, int max) {
        return fields.integer(name, fallback, min, max);
    }

    long longInteger(String name, long fallback) {
        return fields.longInteger(name, fallback);
    }

    boolean bool(String name, boolean fallback) {
        return fields.bool(name, fallback);
    }

    String string(String name, String fallback) {
        return fields.string(name, fallback);
    }

    /** A string or a list of non-empty strings, as {@code stop} may be. */
    List<String> strings(String name) {
        JsonNode value = fields.get(name);
        if (value != null && value.isTextual()) {
            return List.of(value.textValue());
        }
        if (value != null && !value.isArray()) {
            throw fields.mismatch(name, "a string or a list of strings");
        }
        List<String> values = fields.strings(name, List.of());
        if (values.contains("")) {
            throw fields.problem(name, "must hold non-empty strings");
        }
        return values;
    }

    /** The object, or null when it is not given. */
    JsonNode object(String name) {
        return fields.has(name) ? fields.object(name).node() : null;
    }
}
