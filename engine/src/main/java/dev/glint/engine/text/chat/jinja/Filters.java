package dev.glint.engine.text.chat.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's builtin filters that chat templates use, plus transformers' {@code tojson}. Autoescaping is off in
 * transformers' environment, so {@code safe} is the identity and nothing is escaped implicitly.
 */
final class Filters {
    private Filters() {
    }

    static Object apply(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        return switch (name) {
            case "tojson" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "ensure_ascii", false, "indent", null,
                        "separators", null, "sort_keys", false);
                String indent = switch (a[1]) {
                    case null -> null;
                    case Long n -> " ".repeat((int) Math.max(0, n));
                    case String s -> s;
                    default -> throw new TemplateException("tojson indent must be an integer or a string", 0);
                };
                String itemSeparator = null;
                String keySeparator = null;
                if (a[2] != null) {
                    List<Object> separators = Py.iterate(a[2]);
                    if (separators.size() != 2) {
                        throw new TemplateException("tojson separators must be a pair of strings", 0);
                    }
                    itemSeparator = Arguments.string(name, separators.get(0));
                    keySeparator = Arguments.string(name, separators.get(1));
                }
                yield new PyJson(Py.truthy(a[0]), indent, itemSeparator, keySeparator, Py.truthy(a[3]))
                        .dumps(Py.undefinedToError(value));
            }
            case "length", "count" -> {
                Arguments.bind(name, args, kwargs);
                yield Py.length(value);
            }
            case "default", "d" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "default_value", "", "boolean", false);
                yield value instanceof Undefined || (Py.truthy(a[1]) && !Py.truthy(value)) ? a[0] : value;
            }
            case "first" -> {
                Arguments.bind(name, args, kwargs);
                List<Object> items = Py.iterate(value);
                yield items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.getFirst();
            }
            case "last" -> {
                Arguments.bind(name, args, kwargs);
                List<Object> items = Py.iterate(value);
                yield items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.getLast();
            }
            case "join" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "d", "", "attribute", null);
                StringBuilder out = new StringBuilder();
                List<Object> items = Py.iterate(value);
                for (int i = 0; i < items.size(); i++) {
                    Object item = a[1] == null ? items.get(i) : attribute(items.get(i), a[1]);
                    out.append(i > 0 ? Py.str(a[0]) : "").append(Py.str(item));
                }
                yield out.toString();
            }
            case "upper" -> text(name, value, args, kwargs).toUpperCase();
            case "lower" -> text(name, value, args, kwargs).toLowerCase();
            case "title" -> PyStrings.title(text(name, value, args, kwargs));
            case "capitalize" -> PyStrings.capitalize(text(name, value, args, kwargs));
            case "trim" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "chars", null);
                yield PyStrings.strip(Py.str(value), Arguments.optionalString(name, a[0]));
            }
            case "replace" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "old", Arguments.REQUIRED, "new", Arguments.REQUIRED,
                        "count", null);
                yield Members.replace(Py.str(value), Py.str(a[0]), Py.str(a[1]), a[2] == null ? -1 : Py.toLong(a[2]));
            }
            case "string" -> {
                Arguments.bind(name, args, kwargs);
                yield Py.str(value);
            }
            case "safe" -> {
                Arguments.bind(name, args, kwargs);
                yield value;
            }
            case "escape", "e", "forceescape" -> {
                Arguments.bind(name, args, kwargs);
                yield Py.str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                        .replace("\"", "&#34;").replace("'", "&#39;");
            }
            case "list" -> {
                Arguments.bind(name, args, kwargs);
                yield Py.iterate(value);
            }
            case "items" -> {
                Arguments.bind(name, args, kwargs);
                yield value instanceof Undefined ? List.of() : Members.items(mapping(name, value));
            }
            case "dictsort" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "case_sensitive", false, "by", "key", "reverse", false);
                List<Object> pairs = Members.items(mapping(name, value));
                int position = "value".equals(a[1]) ? 1 : 0;
                Comparator<Object> order = (x, y) -> Py.compare(sortKey(((List<?>) x).get(position), a[0]),
                        sortKey(((List<?>) y).get(position), a[0]));
                pairs.sort(Py.truthy(a[2]) ? order.reversed() : order);
                yield pairs;
            }
            case "reverse" -> {
                Arguments.bind(name, args, kwargs);
                if (value instanceof String s) {
                    yield new StringBuilder(s).reverse().toString();
                }
                yield new ArrayList<>(Py.iterate(value).reversed());
            }
            case "sort" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "reverse", false, "case_sensitive", false, "attribute", null);
                List<Object> items = Py.iterate(value);
                Comparator<Object> order = (x, y) -> Py.compare(
                        sortKey(a[2] == null ? x : attribute(x, a[2]), a[1]), sortKey(a[2] == null ? y : attribute(y, a[2]), a[1]));
                items.sort(Py.truthy(a[0]) ? order.reversed() : order);
                yield items;
            }
            case "unique" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "case_sensitive", false, "attribute", null);
                List<Object> seen = new ArrayList<>();
                List<Object> out = new ArrayList<>();
                for (Object item : Py.iterate(value)) {
                    Object key = sortKey(a[1] == null ? item : attribute(item, a[1]), a[0]);
                    if (seen.stream().noneMatch(s -> Py.equal(s, key))) {
                        seen.add(key);
                        out.add(item);
                    }
                }
                yield out;
            }
            case "map" -> {
                List<Object> out = new ArrayList<>();
                if (kwargs.containsKey("attribute")) {
                    Object[] a = Arguments.bind(name, args, kwargs, "attribute", Arguments.REQUIRED, "default", null);
                    for (Object item : Py.iterate(value)) {
                        Object mapped = attribute(item, a[0]);
                        out.add(mapped instanceof Undefined && kwargs.containsKey("default") ? a[1] : mapped);
                    }
                } else {
                    if (args.isEmpty()) {
                        throw new TemplateException("map() needs a filter name or attribute=", 0);
                    }
                    String filter = Arguments.string(name, args.getFirst());
                    for (Object item : Py.iterate(value)) {
                        out.add(apply(filter, item, args.subList(1, args.size()), kwargs));
                    }
                }
                yield out;
            }
            case "select", "reject" -> {
                List<Object> out = new ArrayList<>();
                for (Object item : Py.iterate(value)) {
                    boolean passes = args.isEmpty() ? Py.truthy(item)
                            : Tests.apply(Arguments.string(name, args.getFirst()), item, args.subList(1, args.size()));
                    if (passes == name.equals("select")) {
                        out.add(item);
                    }
                }
                yield out;
            }
            case "selectattr", "rejectattr" -> {
                if (args.isEmpty()) {
                    throw new TemplateException(name + "() needs an attribute name", 0);
                }
                List<Object> out = new ArrayList<>();
                for (Object item : Py.iterate(value)) {
                    Object field = attribute(item, args.getFirst());
                    boolean passes = args.size() == 1 ? Py.truthy(field)
                            : Tests.apply(Arguments.string(name, args.get(1)), field, args.subList(2, args.size()));
                    if (passes == name.equals("selectattr")) {
                        out.add(item);
                    }
                }
                yield out;
            }
            case "attr" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "name", Arguments.REQUIRED);
                yield Members.attribute(value, Arguments.string(name, a[0]));
            }
            case "int" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "default", 0L, "base", 10L);
                yield toInt(value, a[0], Arguments.integer(name, a[1]));
            }
            case "float" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "default", 0.0);
                if (Py.isNumber(value)) {
                    yield Py.toDouble(value);
                }
                try {
                    yield Double.parseDouble(PyStrings.strip(Py.str(value), null));
                } catch (NumberFormatException e) {
                    yield a[0];
                }
            }
            case "abs" -> {
                Arguments.bind(name, args, kwargs);
                yield value instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Py.toLong(value));
            }
            case "round" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "precision", 0L, "method", "common");
                RoundingMode mode = switch (Py.str(a[1])) {
                    case "common" -> RoundingMode.HALF_UP;
                    case "ceil" -> RoundingMode.CEILING;
                    case "floor" -> RoundingMode.FLOOR;
                    default -> throw new TemplateException("round method must be common, ceil or floor", 0);
                };
                yield new BigDecimal(Double.toString(Py.toDouble(value)))
                        .setScale((int) Arguments.integer(name, a[0]), mode).doubleValue();
            }
            case "sum" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "attribute", null, "start", 0L);
                Object total = a[1];
                for (Object item : Py.iterate(value)) {
                    total = PyMath.add(total, a[0] == null ? item : attribute(item, a[0]));
                }
                yield total;
            }
            case "min", "max" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "case_sensitive", false, "attribute", null);
                List<Object> items = Py.iterate(value);
                if (items.isEmpty()) {
                    yield new Undefined("No aggregated item, sequence was empty.");
                }
                Object best = items.getFirst();
                for (Object item : items) {
                    int order = Py.compare(sortKey(a[1] == null ? item : attribute(item, a[1]), a[0]),
                            sortKey(a[1] == null ? best : attribute(best, a[1]), a[0]));
                    if (name.equals("min") ? order < 0 : order > 0) {
                        best = item;
                    }
                }
                yield best;
            }
            case "indent" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "width", 4L, "first", false, "blank", false);
                String pad = a[0] instanceof String s ? s : " ".repeat((int) Arguments.integer(name, a[0]));
                yield indent(Py.str(value), pad, Py.truthy(a[1]), Py.truthy(a[2]));
            }
            case "wordcount" -> {
                Arguments.bind(name, args, kwargs);
                yield (long) PyStrings.split(Py.str(value), null, -1).size();
            }
            case "batch" -> {
                Object[] a = Arguments.bind(name, args, kwargs, "linecount", Arguments.REQUIRED, "fill_with", null);
                long size = Arguments.integer(name, a[0]);
                List<Object> batches = new ArrayList<>();
                List<Object> current = new ArrayList<>();
                for (Object item : Py.iterate(value)) {
                    current.add(item);
                    if (current.size() == size) {
                        batches.add(current);
                        current = new ArrayList<>();
                    }
                }
                if (!current.isEmpty()) {
                    while (a[1] != null && current.size() < size) {
                        current.add(a[1]);
                    }
                    batches.add(current);
                }
                yield batches;
            }
            default -> throw new TemplateException("no filter named '" + name + "'", 0);
        };
    }

    private static String text(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        Arguments.bind(name, args, kwargs);
        return Py.str(value);
    }

    private static Map<?, ?> mapping(String filter, Object value) {
        if (value instanceof Map<?, ?> map) {
            return map;
        }
        throw new TemplateException(filter + " expects a mapping, got '" + Py.typeName(value) + "'", 0);
    }

    /** Jinja2's attribute paths: {@code "a.b"} and integer indices, as used by sort/map/selectattr. */
    private static Object attribute(Object item, Object path) {
        if (path instanceof Long index) {
            return Members.item(item, index);
        }
        Object current = item;
        for (String part : Py.str(path).split("\\.")) {
            current = part.chars().allMatch(Character::isDigit) && !part.isEmpty()
                    ? Members.item(current, Long.parseLong(part)) : Members.item(current, part);
        }
        return current;
    }

    private static Object sortKey(Object value, Object caseSensitive) {
        return value instanceof String s && !Py.truthy(caseSensitive) ? s.toLowerCase() : value;
    }

    private static Object toInt(Object value, Object fallback, long base) {
        if (value instanceof Double d) {
            return (long) d.doubleValue();
        }
        if (Py.isNumber(value)) {
            return Py.toLong(value);
        }
        String text = PyStrings.strip(Py.str(value), null).replace("_", "");
        try {
            return Long.parseLong(text, (int) base);
        } catch (NumberFormatException e) {
            try {
                return (long) Double.parseDouble(text);
            } catch (NumberFormatException notFloat) {
                return fallback;
            }
        }
    }

    /** Jinja2's do_indent, including its quirk of appending a newline before splitting lines. */
    private static String indent(String text, String pad, boolean first, boolean blank) {
        List<Object> lines = PyStrings.split(text + "\n", "\n", -1);
        lines.removeLast();
        StringBuilder out = new StringBuilder((String) lines.getFirst());
        for (Object line : lines.subList(1, lines.size())) {
            String s = (String) line;
            out.append('\n').append(blank || !s.isEmpty() ? pad : "").append(s);
        }
        return first ? pad + out : out.toString();
    }
}
