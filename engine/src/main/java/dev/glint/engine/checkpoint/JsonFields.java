package dev.glint.engine.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Strict typed reads of one JSON object's fields, the one set of rules for checkpoint configs, tokenizer.json and API
 * requests alike:
 * <ul>
 * <li>A field that is absent or null is not given: a read with a fallback returns the fallback, a read without one
 * fails with "is missing".</li>
 * <li>An integer is a JSON number whose value is whole and within the range asked for. {@code 3.0} and {@code 3e2}
 * are integers (3 and 300), as JSON Schema's {@code integer} and OpenAI's API count them; {@code 3.5}, {@code "3"}
 * and {@code true} are not.</li>
 * <li>A number is any finite JSON number within the range asked for; {@code "0.5"} is a string, not a number.</li>
 * <li>A boolean is {@code true} or {@code false}, never 0, 1 or {@code "true"}; a string is a JSON string, never a
 * number turned into text; a list is a JSON array whose every item has the item's type, never a lone item.</li>
 * </ul>
 * A failure names the field by its path ({@code quantization_config.group_size}, {@code added_tokens[3].id},
 * {@code model.vocab["Ġthe"]}), says what the field must be and what was found, and is made by the caller's
 * {@link Failure}, so that each caller throws its own exception: a config file's naming the file, a request's
 * answering 400.
 */
public final class JsonFields {

    /** The caller's exception for the field at {@code path}, given what is wrong with it ("is missing", ...). */
    @FunctionalInterface
    public interface Failure {
        RuntimeException of(String path, String problem);
    }

    /** Names that read as themselves after a dot; any other goes in brackets and quotes. */
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_]+");

    private final JsonNode object;
    private final String path;
    private final Failure failure;

    private JsonFields(JsonNode object, String path, Failure failure) {
        this.object = object;
        this.path = path;
        this.failure = failure;
    }

    /** @param path where {@code object} is, for messages: empty for a document's root */
    public static JsonFields of(JsonNode object, String path, Failure failure) {
        if (!object.isObject()) {
            throw failure.of(path, "must be an object, found " + Json.describe(object));
        }
        return new JsonFields(object, path, failure);
    }

    /** The object these fields belong to. */
    public JsonNode node() {
        return object;
    }

    public String path() {
        return path;
    }

    /** The path of field {@code name}, as messages write it. */
    public String pathOf(String name) {
        String step = PLAIN_NAME.matcher(name).matches() ? name : "[" + TextNode.valueOf(name) + "]";
        return path.isEmpty() || step.startsWith("[") ? path + step : path + "." + step;
    }

    /** The path of a list's item, as messages write it. */
    public String pathOf(String name, int index) {
        return pathOf(name) + "[" + index + "]";
    }

    /** A failure of this object itself, such as a value it holds that Glint does not support. */
    public RuntimeException problem(String problem) {
        return failure.of(path, problem);
    }

    /** A failure of field {@code name}, such as a value of the right type that Glint does not support. */
    public RuntimeException problem(String name, String problem) {
        return failure.of(pathOf(name), problem);
    }

    /** A failure of field {@code name} for not being what it must be, naming what it is instead. */
    public RuntimeException mismatch(String name, String expected) {
        return problem(name, "must be " + expected + ", found " + Json.describe(object.get(name)));
    }

    public boolean has(String name) {
        return object.hasNonNull(name);
    }

    /** The field's value as it is, or null when it is not given; for fields that may take more than one shape. */
    public JsonNode get(String name) {
        return has(name) ? object.get(name) : null;
    }

    public List<String> names() {
        return object.properties().stream().map(Map.Entry::getKey).toList();
    }

    public String string(String name) {
        return required(name, JsonFields::asString, "a string");
    }

    public String string(String name, String fallback) {
        return optional(name, fallback, JsonFields::asString, "a string");
    }

    public boolean bool(String name, boolean fallback) {
        return optional(name, fallback, value -> value.isBoolean() ? value.booleanValue() : null, "true or false");
    }

    public int integer(String name, int min, int max) {
        return required(name, value -> asInteger(value, min, max), integerWords(min, max));
    }

    public int integer(String name, int fallback, int min, int max) {
        return optional(name, fallback, value -> asInteger(value, min, max), integerWords(min, max));
    }

    /** Any integer that fits in 32 bits. */
    public int integer(String name, int fallback) {
        return integer(name, fallback, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** Any integer that fits in 64 bits. */
    public long longInteger(String name, long fallback) {
        return optional(name, fallback, value -> isWhole(value) && value.canConvertToLong() ? value.longValue() : null,
                "a 64-bit integer");
    }

    /** A number from {@code min} to {@code max}, both included; {@code max} may be infinite to leave it open. */
    public double number(String name, double fallback, double min, double max) {
        String expected = max == Double.POSITIVE_INFINITY ? "a number of at least " + plain(min)
                : "a number from " + plain(min) + " to " + plain(max);
        return optional(name, fallback, value -> isFinite(value) && value.doubleValue() >= min && value.doubleValue() <= max
                ? value.doubleValue() : null, expected);
    }

    public double positiveNumber(String name, double fallback) {
        return optional(name, fallback, value -> isFinite(value) && value.doubleValue() > 0 ? value.doubleValue() : null,
                "a positive number");
    }

    public List<String> strings(String name, List<String> fallback) {
        return has(name) ? typedItems(name, "a list of strings", JsonFields::asString, "a string") : fallback;
    }

    public List<Integer> integers(String name, List<Integer> fallback, int min, int max) {
        return has(name) ? typedItems(name, "a list of integers", value -> asInteger(value, min, max), integerWords(min, max))
                : fallback;
    }

    /** The items of a list whose items may take more than one shape, as they are. */
    public List<JsonNode> array(String name) {
        requireGiven(name);
        return items(name, "a list");
    }

    public JsonFields object(String name) {
        requireGiven(name);
        return of(object.get(name), pathOf(name), failure);
    }

    /** The object, or when it is not given an empty one, whose fields are then all not given. */
    public JsonFields objectOrEmpty(String name) {
        return has(name) ? object(name) : new JsonFields(JsonNodeFactory.instance.objectNode(), pathOf(name), failure);
    }

    public List<JsonFields> objects(String name) {
        requireGiven(name);
        return objectItems(name);
    }

    public List<JsonFields> objects(String name, List<JsonFields> fallback) {
        return has(name) ? objectItems(name) : fallback;
    }

    private void requireGiven(String name) {
        if (!has(name)) {
            throw problem(name, "is missing");
        }
    }

    /** @param read the value, or null when the node is not of its type */
    private <T> T required(String name, Function<JsonNode, T> read, String expected) {
        requireGiven(name);
        return value(name, read, expected);
    }

    private <T> T optional(String name, T fallback, Function<JsonNode, T> read, String expected) {
        return has(name) ? value(name, read, expected) : fallback;
    }

    private <T> T value(String name, Function<JsonNode, T> read, String expected) {
        T value = read.apply(object.get(name));
        if (value == null) {
            throw mismatch(name, expected);
        }
        return value;
    }

    private List<JsonNode> items(String name, String expected) {
        JsonNode value = object.get(name);
        if (!value.isArray()) {
            throw mismatch(name, expected);
        }
        return value.valueStream().toList();
    }

    /** A list's items read as one type, each item refused by its own path. */
    private <T> List<T> typedItems(String name, String expected, Function<JsonNode, T> readItem, String expectedItem) {
        List<JsonNode> items = items(name, expected);
        List<T> values = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            T value = readItem.apply(items.get(i));
            if (value == null) {
                throw failure.of(pathOf(name, i), "must be " + expectedItem + ", found " + Json.describe(items.get(i)));
            }
            values.add(value);
        }
        return List.copyOf(values);
    }

    private List<JsonFields> objectItems(String name) {
        List<JsonNode> items = items(name, "a list of objects");
        return IntStream.range(0, items.size()).mapToObj(i -> of(items.get(i), pathOf(name, i), failure)).toList();
    }

    private static String asString(JsonNode value) {
        return value.isTextual() ? value.textValue() : null;
    }

    private static Integer asInteger(JsonNode value, int min, int max) {
        return isWhole(value) && value.canConvertToLong() && value.longValue() >= min && value.longValue() <= max
                ? (int) value.longValue() : null;
    }

    private static boolean isWhole(JsonNode value) {
        return value.isNumber() && value.canConvertToExactIntegral();
    }

    private static boolean isFinite(JsonNode value) {
        return value.isNumber() && Double.isFinite(value.doubleValue());
    }

    private static String integerWords(int min, int max) {
        return min == Integer.MIN_VALUE && max == Integer.MAX_VALUE ? "a 32-bit integer" : "an integer from " + min + " to " + max;
    }

    /** A bound as people write it: 2, not 2.0. */
    private static String plain(double bound) {
        return bound == Math.rint(bound) && Math.abs(bound) < 1e15 ? Long.toString((long) bound) : Double.toString(bound);
    }
}
