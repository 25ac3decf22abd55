package dev.glint.engine.text.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NumericNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Compares parsed outputs as JSON values: numbers by value, whatever Jackson node type holds them. */
final class JsonComparison {
    private JsonComparison() {
    }

    /** The eval.json "parsed" shape: content, reasoning_content (null when none), tool_calls [{name, arguments}]. */
    static JsonNode toJson(ParsedOutput parsed) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("reasoning_content", parsed.reasoning());
        out.put("content", parsed.content());
        ArrayNode calls = out.putArray("tool_calls");
        for (ToolCall call : parsed.toolCalls()) {
            calls.addObject().put("name", call.name()).set("arguments", call.arguments());
        }
        return out;
    }

    static boolean sameJson(JsonNode expected, JsonNode actual) {
        return expected.equals((a, b) -> a instanceof NumericNode x && b instanceof NumericNode y
                ? x.decimalValue().compareTo(y.decimalValue()) : a.equals(b) ? 0 : 1, actual);
    }
}
