package dev.glint.engine.text.chat.jinja;

import java.util.List;
import java.util.Map;

/** Jinja2's builtin tests ({@code x is string}, {@code x is not none}, ...), with Python's type rules. */
final class Tests {
    private Tests() {
    }

    static boolean apply(String name, Object value, List<Object> args) {
        return switch (name) {
            case "defined" -> !(value instanceof Undefined);
            case "undefined" -> value instanceof Undefined;
            case "none" -> value == null;
            case "string" -> value instanceof String;
            case "number" -> Py.isNumber(value);
            case "integer" -> value instanceof Long;
            case "float" -> value instanceof Double;
            case "boolean" -> value instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(value);
            case "false" -> Boolean.FALSE.equals(value);
            case "mapping" -> value instanceof Map;
            case "iterable" -> value instanceof List || value instanceof Map || value instanceof String
                    || value instanceof Undefined;
            case "sequence" -> value instanceof List || value instanceof Map || value instanceof String
                    || value instanceof Undefined;
            case "callable" -> value instanceof JinjaCallable;
            case "lower" -> value instanceof String s && s.equals(s.toLowerCase());
            case "upper" -> value instanceof String s && s.equals(s.toUpperCase());
            case "odd" -> Py.toLong(value) % 2 != 0;
            case "even" -> Py.toLong(value) % 2 == 0;
            case "divisibleby" -> Py.toLong(value) % Py.toLong(argument(name, args)) == 0;
            case "eq", "equalto", "==" -> Py.equal(value, argument(name, args));
            case "ne", "!=" -> !Py.equal(value, argument(name, args));
            case "lt", "lessthan", "<" -> Py.compare(value, argument(name, args)) < 0;
            case "le", "<=" -> Py.compare(value, argument(name, args)) <= 0;
            case "gt", "greaterthan", ">" -> Py.compare(value, argument(name, args)) > 0;
            case "ge", ">=" -> Py.compare(value, argument(name, args)) >= 0;
            case "in" -> Py.contains(argument(name, args), value);
            case "sameas" -> sameAs(value, argument(name, args));
            default -> throw new TemplateException("no test named '" + name + "'", 0);
        };
    }

    private static Object argument(String test, List<Object> args) {
        if (args.size() != 1) {
            throw new TemplateException("test '" + test + "' takes one argument", 0);
        }
        return args.getFirst();
    }

    /** Python's {@code is}: identity for None and booleans (the only singletons templates compare). */
    private static boolean sameAs(Object a, Object b) {
        if (a == null || b == null || a instanceof Boolean || b instanceof Boolean) {
            return a == null ? b == null : a.equals(b) && a.getClass() == b.getClass();
        }
        return a == b;
    }
}
