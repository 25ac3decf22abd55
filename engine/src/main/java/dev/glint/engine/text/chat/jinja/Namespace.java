package dev.glint.engine.text.chat.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object {@code namespace(...)} returns: the one thing a {@code set} inside a loop can change outside it. */
final class Namespace {
    private final Map<String, Object> attributes = new LinkedHashMap<>();

    Namespace(Map<String, Object> initial) {
        attributes.putAll(initial);
    }

    boolean has(String name) {
        return attributes.containsKey(name);
    }

    Object get(String name) {
        return attributes.get(name);
    }

    void set(String name, Object value) {
        attributes.put(name, value);
    }

    Map<String, Object> attributes() {
        return attributes;
    }
}
