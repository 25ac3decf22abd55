package dev.glint.engine.text.chat.jinja;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} as transformers' {@code tojson} filter calls it: insertion order unless
 * {@code sort_keys}, {@code ", "} and {@code ": "} separators unless indenting or told otherwise, non-ASCII
 * kept unless {@code ensure_ascii}, no HTML escaping. Models were trained on exactly these bytes.
 */
final class PyJson {
    private final boolean ensureAscii;
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    PyJson(boolean ensureAscii, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSeparator = itemSeparator != null ? itemSeparator : indent != null ? "," : ", ";
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
    }

    String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, 0, out);
        return out.toString();
    }

    private void write(Object value, int depth, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l);
            case Double d -> out.append(d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : Py.floatRepr(d));
            case String s -> string(s, out);
            case List<?> list -> {
                if (list.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    out.append(i > 0 ? itemSeparator : "");
                    newline(depth + 1, out);
                    write(list.get(i), depth + 1, out);
                }
                newline(depth, out);
                out.append(']');
            }
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    out.append("{}");
                    return;
                }
                List<Map.Entry<String, Object>> entries = new ArrayList<>();
                map.forEach((k, v) -> entries.add(new AbstractMap.SimpleEntry<>(key(k), v)));
                if (sortKeys) {
                    entries.sort((a, b) -> PyStrings.compare(a.getKey(), b.getKey()));
                }
                out.append('{');
                for (int i = 0; i < entries.size(); i++) {
                    out.append(i > 0 ? itemSeparator : "");
                    newline(depth + 1, out);
                    string(entries.get(i).getKey(), out);
                    out.append(keySeparator);
                    write(entries.get(i).getValue(), depth + 1, out);
                }
                newline(depth, out);
                out.append('}');
            }
            default -> throw new TemplateException("Object of type " + Py.typeName(value) + " is not JSON serializable", 0);
        }
    }

    /** JSON object keys as Python converts them: strings as they are, numbers, booleans and None spelled out. */
    private static String key(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> Py.floatRepr(d);
            default -> throw new TemplateException("keys must be str, int, float, bool or None, not "
                    + Py.typeName(k), 0);
        };
    }

    private void newline(int depth, StringBuilder out) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    private void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
