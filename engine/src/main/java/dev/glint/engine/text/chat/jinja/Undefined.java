package dev.glint.engine.text.chat.jinja;

/**
 * Jinja2's default {@code Undefined}: prints as nothing, is false, iterates as empty, and fails with its hint
 * only when used further (an attribute, a call, arithmetic).
 */
record Undefined(String hint) {
    static Undefined name(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object attribute) {
        String key = attribute instanceof String s ? Py.repr(s) : Py.str(attribute);
        return new Undefined("'" + Py.typeName(owner) + " object' has no attribute " + key);
    }

    TemplateException error() {
        return new TemplateException(hint, 0);
    }
}
