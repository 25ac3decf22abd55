package dev.glint.engine.text.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.GlmNanoEval;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * glm-nano's greedy outputs parse to the reasoning, content and tool calls eval.json records for them. With
 * thinking on, the prompt ends at {@code <|assistant|>} and the output opens its own {@code <think>}; with thinking
 * off the prompt pre-fills {@code <think></think>}: in both cases the output starts outside reasoning.
 *
 * <p>One documented difference: eval.json's reference parser keeps every argument as text, so {@code add}'s
 * integer parameters appear as {@code "55"}; Glint types them by the tool schema as vLLM's glm45 parser does
 * ({@code 55}). Those expected values are typed by the schema before comparing.
 */
class GlmNanoEvalParseTest {
    @Test
    void everyEvalOutputParsesToItsRecordedReasoningContentAndToolCalls() {
        JsonNode items = GlmNanoEval.items();
        List<String> mismatches = new ArrayList<>();
        int toolCalls = 0;
        for (JsonNode item : items) {
            ParsedOutput parsed = GlmOutputParser.parse(item.get("output_text").asText(), item.get("tools"), false, List.of());
            JsonNode expected = typedBySchema(item.get("parsed"), item.get("tools"));
            JsonNode actual = JsonComparison.toJson(parsed);
            toolCalls += parsed.toolCalls().size();
            if (!JsonComparison.sameJson(expected, actual)) {
                mismatches.add("item " + item.get("id") + ": expected " + expected + " got " + actual);
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + items.size() + " outputs parse differently; first: "
                + mismatches.stream().limit(3).toList());
        assertEquals(120, toolCalls, "tool calls across eval.json");
    }

    private static JsonNode typedBySchema(JsonNode parsed, JsonNode tools) {
        JsonNode typed = parsed.deepCopy();
        for (JsonNode call : typed.get("tool_calls")) {
            ObjectNode arguments = (ObjectNode) call.get("arguments");
            for (JsonNode tool : tools) {
                if (tool.path("function").path("name").asText().equals(call.get("name").asText())) {
                    tool.path("function").path("parameters").path("properties").properties().forEach(p -> {
                        if (p.getValue().path("type").asText().equals("integer") && arguments.path(p.getKey()).isTextual()) {
                            arguments.put(p.getKey(), new BigInteger(arguments.get(p.getKey()).asText()));
                        }
                    });
                }
            }
        }
        return typed;
    }
}
