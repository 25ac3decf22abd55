package dev.glint.engine.text.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.GlmNanoEval;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * glm-nano's chat template on random chat requests: roles in any order, empty and unusual content, tool calls,
 * reasoning and tools lists, and, in some requests, the mistakes clients make. A request either renders or is refused
 * with a {@link ChatRequestException} that says why; nothing else may escape.
 */
class ChatTemplatePropertyTest {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final int MISTAKE_ODDS = 30;
    private static ChatTemplate template;

    @BeforeContainer
    static void load() throws IOException {
        template = ChatTemplate.load(GlmNanoEval.MODEL);
    }

    @Property(tries = 1000)
    void anyRequestRendersOrIsRefusedWithAChatRequestException(@ForAll("anyRequest") ObjectNode request) {
        try {
            template.apply(request);
            Statistics.label("outcome").collect("rendered");
        } catch (ChatRequestException refused) {
            assertFalse(refused.getMessage() == null || refused.getMessage().isBlank(), "a refusal without a message for " + request);
            Statistics.label("outcome").collect("refused: " + refused.getMessage().split(" ")[0].replaceAll("\\[\\d+]", "[i]"));
        } catch (RuntimeException e) {
            fail("rendering threw " + e + " instead of rendering or refusing with a ChatRequestException: " + request, e);
        }
    }

    /** GLM's template prints a user's text as it is, whatever else the conversation holds. */
    @Property(tries = 1000)
    void aWellFormedConversationRendersWithEveryUsersText(@ForAll("wellFormedRequest") ObjectNode request) {
        String prompt;
        try {
            prompt = template.apply(request).text();
        } catch (RuntimeException e) {
            throw new AssertionError("a well-formed request failed to render: " + request, e);
        }
        assertTrue(prompt.startsWith("[gMASK]<sop>"), prompt);
        for (JsonNode message : request.get("messages")) {
            if (message.path("role").asText().equals("user") && message.path("content").isTextual()) {
                assertTrue(prompt.contains(message.get("content").textValue()),
                        "user text " + message.get("content") + " missing from " + prompt);
            }
        }
        Statistics.label("messages").collect(request.get("messages").size());
        Statistics.label("with tools").collect(request.has("tools") && !request.get("tools").isEmpty());
    }

    @Provide
    Arbitrary<ObjectNode> anyRequest() {
        return request(true);
    }

    @Provide
    Arbitrary<ObjectNode> wellFormedRequest() {
        return request(false);
    }

    /** A request; {@code withMistakes} mixes in, now and then, each malformed field a client might send. */
    private static Arbitrary<ObjectNode> request(boolean withMistakes) {
        Arbitrary<JsonNode> messages = message(withMistakes).list().ofMinSize(1).ofMaxSize(6).map(ChatTemplatePropertyTest::array);
        Arbitrary<Optional<JsonNode>> tools = optional(tool(withMistakes).list().ofMaxSize(3).map(ChatTemplatePropertyTest::array));
        Arbitrary<Optional<JsonNode>> kwargs = optional(Arbitraries.of(true, false)
                .map(on -> (JsonNode) JSON.objectNode().put("enable_thinking", on)));
        Arbitrary<Optional<JsonNode>> generationPrompt = optional(Arbitraries.of(true, false).map(JSON::booleanNode));
        Arbitrary<Optional<JsonNode>> thinking = optional(Arbitraries.of("enabled", "disabled")
                .map(type -> (JsonNode) JSON.objectNode().put("type", type)));
        if (withMistakes) {
            messages = mistakes(messages, JSON.arrayNode(), JSON.textNode("hi"), JSON.objectNode());
            tools = optionalMistakes(tools, JSON.textNode("weather"), JSON.numberNode(1));
            kwargs = optionalMistakes(kwargs, JSON.objectNode().put("enable_thinking", "yes"), JSON.arrayNode());
            generationPrompt = optionalMistakes(generationPrompt, JSON.textNode("true"));
        }
        return Combinators.combine(messages, tools, kwargs, generationPrompt, thinking)
                .as((m, t, k, g, th) -> {
                    ObjectNode request = JSON.objectNode();
                    request.set("messages", m);
                    t.ifPresent(value -> request.set("tools", value));
                    k.ifPresent(value -> request.set("chat_template_kwargs", value));
                    g.ifPresent(value -> request.set("add_generation_prompt", value));
                    th.ifPresent(value -> request.set("thinking", value));
                    return request;
                });
    }

    private static Arbitrary<JsonNode> message(boolean withMistakes) {
        Arbitrary<JsonNode> role = Arbitraries.of("system", "developer", "user", "assistant", "tool", "function")
                .map(JSON::textNode);
        Arbitrary<JsonNode> content = Arbitraries.frequencyOf(
                Tuple.of(6, text().map(JSON::textNode)),
                Tuple.of(2, contentPart(withMistakes).list().ofMaxSize(3).map(ChatTemplatePropertyTest::array)),
                Tuple.of(1, Arbitraries.just(JSON.nullNode())));
        Arbitrary<Optional<JsonNode>> reasoning = optional(text().map(JSON::textNode));
        Arbitrary<Optional<JsonNode>> toolCalls = optional(toolCall(withMistakes).list().ofMaxSize(3).map(ChatTemplatePropertyTest::array));
        Arbitrary<Optional<JsonNode>> toolCallId = optional(text().map(JSON::textNode));
        if (withMistakes) {
            role = mistakes(role, JSON.textNode("critic"), JSON.textNode(""), JSON.textNode("User"), JSON.numberNode(0), JSON.nullNode());
            content = mistakes(content, JSON.numberNode(7), JSON.booleanNode(true), JSON.objectNode().put("text", "hi"));
            reasoning = optionalMistakes(reasoning, JSON.numberNode(1), JSON.arrayNode().add("thought"));
            toolCalls = optionalMistakes(toolCalls, JSON.textNode("get_weather"), JSON.objectNode());
        }
        return Combinators.combine(role, content, reasoning, Arbitraries.of("reasoning_content", "reasoning"), toolCalls, toolCallId)
                .as((r, c, thought, thoughtField, calls, callId) -> {
                    ObjectNode message = JSON.objectNode();
                    message.set("role", r);
                    message.set("content", c);
                    thought.ifPresent(value -> message.set(thoughtField, value));
                    calls.ifPresent(value -> message.set("tool_calls", value));
                    callId.ifPresent(value -> message.set("tool_call_id", value));
                    return message;
                });
    }

    private static Arbitrary<JsonNode> contentPart(boolean withMistakes) {
        Arbitrary<JsonNode> part = Arbitraries.frequencyOf(
                Tuple.of(4, text().map(t -> (JsonNode) JSON.objectNode().put("type", "text").put("text", t))),
                Tuple.of(1, text().map(JSON::textNode)),
                Tuple.of(1, Arbitraries.just(JSON.objectNode().put("type", "image_url")
                        .set("image_url", JSON.objectNode().put("url", "data:image/png;base64,AAAA")))));
        return withMistakes ? mistakes(part, JSON.numberNode(3), JSON.nullNode(), JSON.objectNode().put("type", "text"),
                JSON.objectNode().put("type", "text").put("text", 5)) : part;
    }

    /** OpenAI's shape ({@code function} holding name and arguments) or the flat one, arguments as an object or JSON text. */
    private static Arbitrary<JsonNode> toolCall(boolean withMistakes) {
        Arbitrary<JsonNode> arguments = Arbitraries.frequencyOf(
                Tuple.of(4, jsonObject()),
                Tuple.of(3, jsonObject().map(o -> (JsonNode) JSON.textNode(o.toString()))),
                Tuple.of(1, Arbitraries.of(JSON.textNode(""), JSON.textNode("  "), JSON.nullNode())));
        if (withMistakes) {
            arguments = mistakes(arguments, JSON.textNode("{\"city\": "), JSON.textNode("[1, 2]"), JSON.textNode("null"),
                    JSON.numberNode(42), JSON.arrayNode());
        }
        Arbitrary<JsonNode> name = text().map(JSON::textNode);
        if (withMistakes) {
            name = mistakes(name, JSON.numberNode(5), JSON.nullNode());
        }
        Arbitrary<JsonNode> call = Combinators.combine(name, arguments, Arbitraries.of(true, false)).as((n, a, nested) -> {
            ObjectNode function = JSON.objectNode();
            function.set("name", n);
            function.set("arguments", a);
            if (!nested) {
                return function;
            }
            ObjectNode wrapper = JSON.objectNode().put("id", "call_1").put("type", "function");
            wrapper.set("function", function);
            return wrapper;
        });
        return withMistakes ? mistakes(call, JSON.textNode("get_weather"), JSON.objectNode().put("function", "get_weather")) : call;
    }

    private static Arbitrary<JsonNode> tool(boolean withMistakes) {
        Arbitrary<JsonNode> tool = Combinators.combine(text(), text(), jsonObject()).as((name, description, properties) -> {
            ObjectNode function = JSON.objectNode().put("name", name).put("description", description);
            function.putObject("parameters").put("type", "object").set("properties", properties);
            ObjectNode wrapper = JSON.objectNode().put("type", "function");
            wrapper.set("function", function);
            return wrapper;
        });
        return withMistakes ? mistakes(tool, JSON.textNode("get_weather"), JSON.objectNode().put("type", "function"),
                JSON.objectNode().put("function", "get_weather"), JSON.objectNode().set("function", JSON.objectNode().put("name", 3)))
                : tool;
    }

    /** A JSON object of a few fields: strings, numbers, booleans, nulls, lists and nested objects. */
    private static Arbitrary<JsonNode> jsonObject() {
        Arbitrary<JsonNode> scalar = Arbitraries.frequencyOf(
                Tuple.of(3, text().map(JSON::textNode)),
                Tuple.of(1, Arbitraries.integers().map(JSON::numberNode)),
                Tuple.of(1, Arbitraries.doubles().between(-1e6, 1e6).map(JSON::numberNode)),
                Tuple.of(1, Arbitraries.of(JSON.booleanNode(true), JSON.booleanNode(false), JSON.nullNode())));
        Arbitrary<JsonNode> value = Arbitraries.frequencyOf(
                Tuple.of(6, scalar),
                Tuple.of(1, scalar.list().ofMaxSize(3).map(ChatTemplatePropertyTest::array)),
                Tuple.of(1, Arbitraries.maps(text(), scalar).ofMaxSize(2).map(ChatTemplatePropertyTest::object)));
        return Arbitraries.maps(text(), value).ofMaxSize(3).map(ChatTemplatePropertyTest::object);
    }

    /** Empty, blank, any characters, and text that means something to Jinja, JSON, Python or GLM's markup. */
    private static Arbitrary<String> text() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of("", " ", "\n\n")),
                Tuple.of(3, Arbitraries.strings().alpha().numeric().withChars(" ").ofMaxLength(16)),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(12)),
                Tuple.of(2, Arbitraries.of("{{ messages }}", "{% if x %}", "{#", "}}", "<think>", "</think>", "a</think>b",
                        "<think>plan</think>answer", "<|user|>", "<|assistant|>", "/nothink", "<tool_call>", "</tool_call>",
                        "<arg_key>", "None", "null", "True", "\\", "\"", "'", "\u0000", "\uD83D\uDE00", "\uD800", "e\u0301")));
    }

    /**
     * {@code valid}, and one time in {@value #MISTAKE_ODDS} one of {@code wrong}: a request has a dozen fields or more,
     * and about half of all requests should still render.
     */
    private static Arbitrary<JsonNode> mistakes(Arbitrary<JsonNode> valid, JsonNode... wrong) {
        return Arbitraries.frequencyOf(Tuple.of(MISTAKE_ODDS - 1, valid), Tuple.of(1, Arbitraries.of(wrong).map(JsonNode::deepCopy)));
    }

    private static Arbitrary<Optional<JsonNode>> optionalMistakes(Arbitrary<Optional<JsonNode>> valid, JsonNode... wrong) {
        return Arbitraries.frequencyOf(Tuple.of(MISTAKE_ODDS - 1, valid),
                Tuple.of(1, Arbitraries.of(wrong).map(w -> Optional.of(w.deepCopy()))));
    }

    /** Present or absent, as often as each other; absent and JSON null differ to a client, and both are tried. */
    private static Arbitrary<Optional<JsonNode>> optional(Arbitrary<JsonNode> value) {
        return Arbitraries.frequencyOf(
                Tuple.of(4, value.map(Optional::of)),
                Tuple.of(3, Arbitraries.just(Optional.empty())),
                Tuple.of(1, Arbitraries.just(Optional.of(JSON.nullNode()))));
    }

    private static ArrayNode array(List<JsonNode> items) {
        return JSON.arrayNode().addAll(items);
    }

    private static ObjectNode object(Map<String, JsonNode> fields) {
        ObjectNode object = JSON.objectNode();
        fields.forEach(object::set);
        return object;
    }
}
