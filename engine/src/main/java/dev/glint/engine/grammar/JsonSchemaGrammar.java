package dev.glint.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.glint.engine.grammar.Grammar.Builder.empty;
import static dev.glint.engine.grammar.Grammar.Builder.ref;
import static dev.glint.engine.grammar.Grammar.Builder.sequence;

/**
 * Compiles a JSON schema into a {@link Grammar} of the JSON texts it accepts, with optional whitespace between
 * tokens. The subset is the one vLLM's and llama.cpp's grammars cover: {@code type} (one or a list), object
 * {@code properties} and {@code required} (properties in the schema's order, others not allowed), arrays with
 * {@code items}, {@code minItems} and {@code maxItems}, strings with {@code minLength} and {@code maxLength}, numbers, integers, booleans, null, {@code enum},
 * {@code const}, {@code anyOf}, {@code $ref} into {@code $defs}/{@code definitions} (recursion included), and the
 * empty schema (any JSON value). Annotations are ignored; any other keyword is refused by name.
 */
public final class JsonSchemaGrammar {
    /** Keywords that only describe: they constrain nothing. */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema", "$id",
            "$comment", "deprecated", "readOnly", "writeOnly", "$defs", "definitions");
    /** Counted repetition (items, characters) is spelled out rule by rule, up to this many; more is refused. */
    private static final int MAX_COUNTED_ITEMS = 256;

    private final Grammar.Builder g;
    private final JsonNode root;
    private final Map<String, Integer> refs = new HashMap<>();
    private final int ws;
    private final int multiByte;
    private final int character;
    private final int string;
    private final int number;
    private final int integer;
    private final int anyValue;

    /** Compiles schemas under {@code root} (where their $refs point) into rules of {@code g}. */
    JsonSchemaGrammar(Grammar.Builder g, JsonNode root) {
        this.g = g;
        this.root = root;
        this.ws = whitespace();
        this.multiByte = multiByteRule();
        this.character = characterRule();
        this.string = stringRule();
        this.integer = integerRule();
        this.number = numberRule();
        this.anyValue = g.rule();
        int anyObject = objectOf(anyValue);
        int anyArray = arrayOf(anyValue, 0, -1);
        g.alternative(anyValue, ref(anyObject)).alternative(anyValue, ref(anyArray)).alternative(anyValue, ref(string))
                .alternative(anyValue, ref(number)).alternative(anyValue, g.literal("true"))
                .alternative(anyValue, g.literal("false")).alternative(anyValue, g.literal("null"));
    }

    /** The JSON texts {@code schema} accepts, between optional whitespace. */
    public static Grammar compile(JsonNode schema) {
        JsonSchemaGrammar compiler = new JsonSchemaGrammar(new Grammar.Builder(), schema);
        int value = compiler.value(schema, "#");
        return compiler.g.build(compiler.g.rule(sequence(ref(compiler.ws), ref(value), ref(compiler.ws))));
    }

    /** Any JSON object (OpenAI's {@code json_object}). */
    public static Grammar anyObject() {
        return compile(JsonNodeFactory.instance.objectNode().put("type", "object"));
    }

    /** Nothing, a space, or a line break and up to 20 spaces or tabs of indentation: bounded, so it cannot run on. */
    private int whitespace() {
        int indent = g.rule(empty());
        for (int i = 0; i < 20; i++) {
            indent = g.rule(empty(), sequence(g.anyOf(" \t"), ref(indent)));
        }
        return g.rule(empty(), g.literal(" "), sequence(g.literal("\n"), ref(indent)));
    }

    /** A character of more than one byte: the well-formed UTF-8 sequences (RFC 3629), no overlong forms or surrogates. */
    private int multiByteRule() {
        int[] tail = g.bytes(range(0x80, 0xC0, ""));
        return g.rule(sequence(g.bytes(range(0xC2, 0xE0, "")), tail),
                sequence(g.bytes(range(0xE0, 0xE1, "")), g.bytes(range(0xA0, 0xC0, "")), tail),
                sequence(g.bytes(range(0xE1, 0xED, "")), tail, tail),
                sequence(g.bytes(range(0xED, 0xEE, "")), g.bytes(range(0x80, 0xA0, "")), tail),
                sequence(g.bytes(range(0xEE, 0xF0, "")), tail, tail),
                sequence(g.bytes(range(0xF0, 0xF1, "")), g.bytes(range(0x90, 0xC0, "")), tail, tail),
                sequence(g.bytes(range(0xF1, 0xF4, "")), tail, tail, tail),
                sequence(g.bytes(range(0xF4, 0xF5, "")), g.bytes(range(0x80, 0x90, "")), tail, tail));
    }

    /** One character of a JSON string: printable ASCII but the quote and backslash, an escape, or a longer character. */
    private int characterRule() {
        int[] hex = g.anyOf("0123456789abcdefABCDEF");
        return g.rule(g.bytes(range(0x20, 0x7F, "\"\\")), sequence(g.literal("\\"), g.anyOf("\"\\/bfnrt")),
                sequence(g.literal("\\u"), hex, hex, hex, hex), ref(multiByte));
    }

    /** Bytes from {@code from} to {@code to} (exclusive) but the characters of {@code except}. */
    private static boolean[] range(int from, int to, String except) {
        boolean[] set = new boolean[256];
        for (int b = from; b < to; b++) {
            set[b] = except.indexOf(b) < 0;
        }
        return set;
    }

    private int stringRule() {
        int characters = g.rule();
        g.alternative(characters, empty()).alternative(characters, ref(character), ref(characters));
        return g.rule(sequence(g.literal("\""), ref(characters), g.literal("\"")));
    }

    /** A string of {@code min} to {@code max} characters ({@code max} -1: unbounded). */
    private int stringRule(int min, int max, String where) {
        return g.rule(sequence(g.literal("\""), ref(counted(character, min, max, where)), g.literal("\"")));
    }

    /** Up to {@code count} more of {@code element}. */
    private int upTo(int[] element, int count) {
        int rule = g.rule(empty());
        for (int i = 0; i < count; i++) {
            rule = g.rule(empty(), sequence(element, ref(rule)));
        }
        return rule;
    }

    private int integerRule() {
        int[] digit = g.anyOf("0123456789");
        int[] nonZero = g.anyOf("123456789");
        int magnitude = g.rule(g.literal("0"), sequence(nonZero, ref(upTo(digit, 15))));
        return g.rule(ref(magnitude), sequence(g.literal("-"), ref(magnitude)));
    }

    private int numberRule() {
        int[] digit = g.anyOf("0123456789");
        int fraction = g.rule(empty(), sequence(g.literal("."), digit, ref(upTo(digit, 15))));
        int exponent = g.rule(empty(), sequence(g.anyOf("eE"), ref(g.rule(empty(), g.anyOf("+-"))), digit, ref(upTo(digit, 2))));
        return g.rule(sequence(ref(integer), ref(fraction), ref(exponent)));
    }

    /** {@code {}} or members {@code "key": value} separated by commas, any keys. */
    private int objectOf(int valueRule) {
        int member = g.rule(sequence(ref(string), ref(ws), g.literal(":"), ref(ws), ref(valueRule), ref(ws)));
        int more = g.rule();
        g.alternative(more, empty()).alternative(more, g.literal(","), ref(ws), ref(member), ref(more));
        return g.rule(sequence(g.literal("{"), ref(ws), g.literal("}")),
                sequence(g.literal("{"), ref(ws), ref(member), ref(more), g.literal("}")));
    }

    /** {@code [items]} with at least {@code min} and at most {@code max} (-1: any number) items. */
    private int arrayOf(int item, int min, int max) {
        int[] element = sequence(ref(item), ref(ws));
        int[] separated = sequence(g.literal(","), ref(ws), element);
        // After k items: the rest of the list, needing min - k more.
        int tail;
        if (max < 0) {
            tail = g.rule();
            g.alternative(tail, empty()).alternative(tail, separated, ref(tail));
        } else {
            tail = upTo(separated, Math.max(0, max - Math.max(min, 1)));
        }
        for (int k = Math.max(min, 1) - 1; k >= 1; k--) {
            tail = g.rule(sequence(separated, ref(tail)));
        }
        int[] open = sequence(g.literal("["), ref(ws));
        if (min == 0 && max == 0) {
            return g.rule(sequence(open, g.literal("]")));
        }
        int[] nonEmpty = sequence(open, element, ref(tail), g.literal("]"));
        return min == 0 ? g.rule(sequence(open, g.literal("]")), nonEmpty) : g.rule(nonEmpty);
    }

    /**
     * Text as GLM's template writes a string-typed tool argument (unquoted, unescaped): the enum or const values
     * themselves, or characters with the schema's length bounds; -1 when the schema is not string-typed.
     */
    int rawString(JsonNode schema, String where) {
        JsonNode values = schema.has("const") ? JsonNodeFactory.instance.arrayNode().add(schema.get("const")) : schema.get("enum");
        if (values != null && values.isArray() && !values.isEmpty()) {
            for (JsonNode v : values) {
                if (!v.isTextual()) {
                    return -1;
                }
            }
            int rule = g.rule();
            values.forEach(v -> g.alternative(rule, g.literal(v.textValue())));
            return rule;
        }
        if (!schema.path("type").asText("").equals("string") || values != null) {
            return -1;
        }
        requireOnly(schema, where, Set.of("type", "minLength", "maxLength"));
        int any = g.rule(g.bytes(range(0x20, 0x7F, "")), g.anyOf("\t\n\r"), ref(multiByte));
        return counted(any, schema.path("minLength").asInt(0), schema.has("maxLength") ? schema.get("maxLength").asInt() : -1, where);
    }

    /** {@code min} to {@code max} ({@code max} -1: unbounded) of {@code element}. */
    private int counted(int element, int min, int max, String where) {
        if (min < 0 || min > MAX_COUNTED_ITEMS || max > MAX_COUNTED_ITEMS || max >= 0 && max < min) {
            throw new UnsupportedSchemaException(max > MAX_COUNTED_ITEMS ? "maxLength" : "minLength", where,
                    "lengths from 0 to " + MAX_COUNTED_ITEMS + " with minLength <= maxLength are");
        }
        int rest;
        if (max < 0) {
            rest = g.rule();
            g.alternative(rest, empty()).alternative(rest, ref(element), ref(rest));
        } else {
            rest = upTo(ref(element), max - min);
        }
        for (int i = 0; i < min; i++) {
            rest = g.rule(sequence(ref(element), ref(rest)));
        }
        return rest;
    }

    int value(JsonNode schema, String where) {
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) {
                throw new UnsupportedSchemaException("false", where, "a schema that accepts nothing");
            }
            return anyValue;
        }
        if (!schema.isObject()) {
            throw new UnsupportedSchemaException("(schema)", where, "a schema must be an object or a boolean, not " + schema);
        }
        Set<String> used = new HashSet<>();
        schema.fieldNames().forEachRemaining(used::add);
        used.removeAll(ANNOTATIONS);
        if (used.contains("$ref")) {
            requireOnly(schema, where, Set.of("$ref"));
            return reference(schema.get("$ref").asText(), where);
        }
        if (used.contains("const")) {
            requireOnly(schema, where, Set.of("const", "type"));
            return g.rule(g.literal(schema.get("const").toString()));
        }
        if (used.contains("enum")) {
            requireOnly(schema, where, Set.of("enum", "type"));
            JsonNode values = schema.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw new UnsupportedSchemaException("enum", where, "enum must be a non-empty array");
            }
            int rule = g.rule();
            values.forEach(v -> g.alternative(rule, g.literal(v.toString())));
            return rule;
        }
        if (used.contains("anyOf")) {
            requireOnly(schema, where, Set.of("anyOf"));
            JsonNode options = schema.get("anyOf");
            int rule = g.rule();
            for (int i = 0; i < options.size(); i++) {
                g.alternative(rule, ref(value(options.get(i), where + "/anyOf/" + i)));
            }
            return rule;
        }
        JsonNode type = schema.get("type");
        if (type == null) {
            requireOnly(schema, where, Set.of());
            return anyValue;
        }
        if (type.isArray()) {
            int rule = g.rule();
            for (JsonNode one : type) {
                g.alternative(rule, ref(typed(one.asText(), schema, where)));
            }
            return rule;
        }
        return typed(type.asText(), schema, where);
    }

    private int typed(String type, JsonNode schema, String where) {
        return switch (type) {
            case "string" -> {
                requireOnly(schema, where, Set.of("type", "minLength", "maxLength"));
                if (!schema.has("minLength") && !schema.has("maxLength")) {
                    yield string;
                }
                yield stringRule(schema.path("minLength").asInt(0),
                        schema.has("maxLength") ? schema.get("maxLength").asInt() : -1, where);
            }
            case "number" -> {
                requireOnly(schema, where, Set.of("type"));
                yield number;
            }
            case "integer" -> {
                requireOnly(schema, where, Set.of("type"));
                yield integer;
            }
            case "boolean" -> {
                requireOnly(schema, where, Set.of("type"));
                yield g.rule(g.literal("true"), g.literal("false"));
            }
            case "null" -> {
                requireOnly(schema, where, Set.of("type"));
                yield g.rule(g.literal("null"));
            }
            case "array" -> array(schema, where);
            case "object" -> object(schema, where);
            default -> throw new UnsupportedSchemaException("type", where, "unknown type '" + type + "'");
        };
    }

    private int array(JsonNode schema, String where) {
        requireOnly(schema, where, Set.of("type", "items", "minItems", "maxItems"));
        int item = schema.has("items") ? value(schema.get("items"), where + "/items") : anyValue;
        int min = schema.path("minItems").asInt(0);
        int max = schema.has("maxItems") ? schema.get("maxItems").asInt() : -1;
        if (min < 0 || max > MAX_COUNTED_ITEMS || min > MAX_COUNTED_ITEMS || max >= 0 && max < min) {
            throw new UnsupportedSchemaException(max > MAX_COUNTED_ITEMS ? "maxItems" : "minItems", where,
                    "item counts from 0 to " + MAX_COUNTED_ITEMS + " with minItems <= maxItems are");
        }
        return arrayOf(item, min, max);
    }

    /** Declared properties in the schema's order, the required ones always, the others optionally; no others. */
    private int object(JsonNode schema, String where) {
        requireOnly(schema, where, Set.of("type", "properties", "required", "additionalProperties"));
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        if (properties == null || properties.isEmpty()) {
            if (additional != null && additional.isObject()) {
                return objectOf(value(additional, where + "/additionalProperties"));
            }
            return additional != null && additional.isBoolean() && !additional.booleanValue()
                    ? g.rule(sequence(g.literal("{"), ref(ws), g.literal("}"))) : objectOf(anyValue);
        }
        if (additional != null && !(additional.isBoolean() && !additional.booleanValue())) {
            throw new UnsupportedSchemaException("additionalProperties", where,
                    "only false goes with 'properties' (the declared properties are the only ones allowed)");
        }
        Set<String> required = new HashSet<>();
        schema.path("required").forEach(name -> required.add(name.asText()));
        List<String> names = new ArrayList<>();
        properties.fieldNames().forEachRemaining(names::add);
        for (String name : required) {
            if (!properties.has(name)) {
                throw new UnsupportedSchemaException("required", where, "'" + name + "' is required but not among the properties");
            }
        }
        int[] members = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            int valueRule = value(properties.get(name), where + "/properties/" + name);
            members[i] = g.rule(sequence(g.literal(JsonNodeFactory.instance.textNode(name).toString()), ref(ws),
                    g.literal(":"), ref(ws), ref(valueRule), ref(ws)));
        }
        // rest[i][first]: properties i.. with a comma before the first one written unless it is the first overall.
        int[] restFirst = new int[names.size() + 1];
        int[] restAfter = new int[names.size() + 1];
        restFirst[names.size()] = g.rule(empty());
        restAfter[names.size()] = restFirst[names.size()];
        int[] comma = sequence(g.literal(","), ref(ws));
        for (int i = names.size() - 1; i >= 0; i--) {
            boolean isRequired = required.contains(names.get(i));
            restFirst[i] = isRequired ? g.rule(sequence(ref(members[i]), ref(restAfter[i + 1])))
                    : g.rule(sequence(ref(members[i]), ref(restAfter[i + 1])), ref(restFirst[i + 1]));
            restAfter[i] = isRequired ? g.rule(sequence(comma, ref(members[i]), ref(restAfter[i + 1])))
                    : g.rule(sequence(comma, ref(members[i]), ref(restAfter[i + 1])), ref(restAfter[i + 1]));
        }
        return g.rule(sequence(g.literal("{"), ref(ws), ref(restFirst[0]), g.literal("}")));
    }

    private int reference(String ref, String where) {
        Integer known = refs.get(ref);
        if (known != null) {
            return known;
        }
        String prefix = ref.startsWith("#/$defs/") ? "#/$defs/" : ref.startsWith("#/definitions/") ? "#/definitions/" : null;
        JsonNode target = prefix == null ? null : root.path(prefix.substring(2, prefix.length() - 1)).get(ref.substring(prefix.length()));
        if (target == null) {
            throw new UnsupportedSchemaException("$ref", where, "'" + ref + "' is not a schema under #/$defs or #/definitions");
        }
        // Defined before it is compiled, so a recursive schema refers to itself.
        int rule = g.rule();
        refs.put(ref, rule);
        g.alternative(rule, ref(value(target, ref)));
        return rule;
    }

    private static void requireOnly(JsonNode schema, String where, Set<String> allowed) {
        schema.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name) && !ANNOTATIONS.contains(name)) {
                throw new UnsupportedSchemaException(name, where, "this server's grammars enforce type, properties, "
                        + "required, additionalProperties: false, items, minItems, maxItems, minLength, maxLength, enum, "
                        + "const, anyOf and $ref");
            }
        });
    }
}
