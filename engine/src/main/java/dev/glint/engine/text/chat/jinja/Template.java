package dev.glint.engine.text.chat.jinja;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Jinja template interpreted the way Hugging Face transformers renders chat templates: Jinja2 with
 * {@code trim_blocks}, {@code lstrip_blocks}, loop controls, an immutable sandbox, Python value semantics, the
 * transformers {@code tojson} and the globals {@code raise_exception} and {@code strftime_now}.
 *
 * <p>It covers the subset chat templates use (no inheritance, includes, call blocks or filter blocks). A parsed
 * template is immutable and can be rendered from several threads at once.
 */
public final class Template {
    private final List<Node> nodes;

    private Template(List<Node> nodes) {
        this.nodes = nodes;
    }

    /** Parses template source; throws {@link TemplateSyntaxException} naming the line of the first error. */
    public static Template parse(String source) {
        return new Template(Parser.parse(source));
    }

    /**
     * Renders with the given variables: JSON trees, maps, lists, strings, numbers, booleans and null, converted
     * to the Python values the template expects.
     *
     * @throws TemplateRaisedException when the template calls {@code raise_exception}
     * @throws TemplateException       when rendering fails otherwise (an undefined value used, a type error)
     */
    public String render(Map<String, ?> variables) {
        Map<String, Object> values = new LinkedHashMap<>();
        variables.forEach((k, v) -> values.put(k, toValue(v)));
        return new Renderer().render(nodes, Globals.ALL, values);
    }

    private static Object toValue(Object value) {
        return switch (value) {
            case null -> null;
            case JsonNode json -> fromJson(json);
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case BigInteger b -> b.longValueExact();
            case Number n -> n.doubleValue();
            case Map<?, ?> map -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                map.forEach((k, v) -> out.put(k, toValue(v)));
                yield out;
            }
            case List<?> list -> {
                List<Object> out = new ArrayList<>(list.size());
                list.forEach(v -> out.add(toValue(v)));
                yield out;
            }
            default -> throw new IllegalArgumentException("cannot pass a " + value.getClass().getName() + " to a template");
        };
    }

    private static Object fromJson(JsonNode json) {
        return switch (json.getNodeType()) {
            case NULL, MISSING -> null;
            case BOOLEAN -> json.booleanValue();
            case STRING -> json.textValue();
            case NUMBER -> json.isIntegralNumber() && json.canConvertToLong() ? (Object) json.longValue() : (Object) json.doubleValue();
            case ARRAY -> {
                List<Object> out = new ArrayList<>(json.size());
                json.forEach(v -> out.add(fromJson(v)));
                yield out;
            }
            case OBJECT -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    out.put(e.getKey(), fromJson(e.getValue()));
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("cannot pass JSON " + json.getNodeType() + " to a template");
        };
    }
}
