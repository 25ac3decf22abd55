package dev.glint.engine.text.chat.jinja;

import java.util.List;
import java.util.Map;

/** Binds a builtin's positional and keyword arguments to its parameter list, Python style. */
final class Arguments {
    /** Marks a parameter without a default. */
    static final Object REQUIRED = new Object();

    private Arguments() {
    }

    /** {@code parameters} alternates names and defaults: {@code "sep", null, "maxsplit", -1L}. */
    static Object[] bind(String function, List<Object> args, Map<String, Object> kwargs, Object... parameters) {
        int count = parameters.length / 2;
        if (args.size() > count) {
            throw new TemplateException(function + "() takes at most " + count + " arguments (" + args.size() + " given)", 0);
        }
        Object[] values = new Object[count];
        for (int i = 0; i < count; i++) {
            String name = (String) parameters[2 * i];
            if (i < args.size()) {
                if (kwargs.containsKey(name)) {
                    throw new TemplateException(function + "() got multiple values for argument '" + name + "'", 0);
                }
                values[i] = args.get(i);
            } else if (kwargs.containsKey(name)) {
                values[i] = kwargs.get(name);
            } else if (parameters[2 * i + 1] == REQUIRED) {
                throw new TemplateException(function + "() missing required argument '" + name + "'", 0);
            } else {
                values[i] = parameters[2 * i + 1];
            }
        }
        for (String key : kwargs.keySet()) {
            boolean known = false;
            for (int i = 0; i < count; i++) {
                known |= parameters[2 * i].equals(key);
            }
            if (!known) {
                throw new TemplateException(function + "() got an unexpected keyword argument '" + key + "'", 0);
            }
        }
        return values;
    }

    static String string(String function, Object value) {
        if (value instanceof String s) {
            return s;
        }
        throw new TemplateException(function + "() expects a string, got '" + Py.typeName(value) + "'", 0);
    }

    static String optionalString(String function, Object value) {
        return value == null ? null : string(function, value);
    }

    static long integer(String function, Object value) {
        if (value instanceof Long || value instanceof Boolean) {
            return Py.toLong(value);
        }
        throw new TemplateException(function + "() expects an integer, got '" + Py.typeName(value) + "'", 0);
    }
}
