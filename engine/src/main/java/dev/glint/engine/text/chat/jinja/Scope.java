package dev.glint.engine.text.chat.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at one point of a render. Loops and macros open a child scope, so a plain {@code set}
 * inside them stays local, as in Jinja2; {@code if} blocks do not.
 */
final class Scope {
    private static final Object ABSENT = new Object();

    private final Scope parent;
    private final Map<String, Object> variables = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** The value bound to {@code name} here or in an enclosing scope, or {@link Undefined} when none is. */
    Object lookup(String name) {
        for (Scope scope = this; scope != null; scope = scope.parent) {
            Object value = scope.variables.getOrDefault(name, ABSENT);
            if (value != ABSENT) {
                return value;
            }
        }
        return Undefined.name(name);
    }

    void set(String name, Object value) {
        variables.put(name, value);
    }
}
