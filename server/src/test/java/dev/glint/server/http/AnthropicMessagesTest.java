package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.server.http.EvalConversations.Answer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** glint serve on glm-nano answering Anthropic's Messages API, checked against its own chat completions. */
class AnthropicMessagesTest {
    private static final String KEY = "sk-glint-test";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ServedModel served;
    private static OpenAiServer server;
    private static String base;

    @BeforeAll
    static void start() throws InterruptedException {
        served = ServedModel.load(Path.of("../models/glm-nano"),
                new ServedModel.Options("glm-nano,claude-*", 2, 2048, 8, 256, 64));
        server = OpenAiServer.start(served, "127.0.0.1", 0, KEY);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        served.close();
    }

    private static HttpResponse<String> post(String path, String body, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("x-api-key", apiKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode postJson(String path, JsonNode body) throws IOException, InterruptedException {
        HttpResponse<String> response = post(path, body.toString(), KEY);
        assertEquals(200, response.statusCode(), path + " " + body + " -> " + response.body());
        return JSON.readTree(response.body());
    }

    /** The answer of a Messages content array. */
    private static Answer ofBlocks(JsonNode content) {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder text = new StringBuilder();
        StringBuilder calls = new StringBuilder();
        for (JsonNode block : content) {
            switch (block.path("type").asText()) {
                case "thinking" -> reasoning.append(block.path("thinking").asText());
                case "text" -> text.append(block.path("text").asText());
                case "tool_use" -> {
                    assertTrue(block.path("id").asText().startsWith("toolu_"), block.toString());
                    calls.append(Answer.call(block.path("name").asText(), block.path("input")));
                }
                default -> throw new AssertionError("unexpected block " + block);
            }
        }
        return new Answer(reasoning.toString(), text.toString(), calls.toString());
    }

    /** An eval.json conversation (OpenAI chat shape) written as an Anthropic Messages request. */
    private static ObjectNode asMessagesRequest(JsonNode item) {
        ObjectNode body = JSON.createObjectNode().put("model", "claude-opus-4-8").put("max_tokens", 200).put("temperature", 0);
        ArrayNode messages = body.putArray("messages");
        int toolIds = 0;
        List<String> pendingIds = new ArrayList<>();
        for (JsonNode message : item.get("messages")) {
            String role = message.get("role").asText();
            switch (role) {
                case "system" -> {
                    if (messages.isEmpty()) {
                        body.putArray("system").addObject().put("type", "text").put("text", message.get("content").asText())
                                .putObject("cache_control").put("type", "ephemeral");
                    } else {
                        messages.addObject().put("role", "system").put("content", message.get("content").asText());
                    }
                }
                case "user" -> messages.addObject().put("role", "user").put("content", message.get("content").asText());
                case "assistant" -> {
                    ArrayNode content = messages.addObject().put("role", "assistant").putArray("content");
                    if (message.hasNonNull("reasoning_content")) {
                        content.addObject().put("type", "thinking").put("thinking", message.get("reasoning_content").asText())
                                .put("signature", "");
                    }
                    if (!message.path("content").asText("").isEmpty()) {
                        content.addObject().put("type", "text").put("text", message.get("content").asText());
                    }
                    for (JsonNode call : message.path("tool_calls")) {
                        String id = "toolu_test" + toolIds++;
                        pendingIds.add(id);
                        content.addObject().put("type", "tool_use").put("id", id).put("name", call.at("/function/name").asText())
                                .set("input", call.at("/function/arguments"));
                    }
                }
                case "tool" -> {
                    JsonNode last = messages.get(messages.size() - 1);
                    ArrayNode results = last.path("role").asText().equals("user") && last.get("content").isArray()
                            ? (ArrayNode) last.get("content") : messages.addObject().put("role", "user").putArray("content");
                    results.addObject().put("type", "tool_result").put("tool_use_id", pendingIds.removeFirst())
                            .put("content", message.get("content").asText());
                }
                default -> throw new AssertionError(role);
            }
        }
        if (item.hasNonNull("tools")) {
            ArrayNode tools = body.putArray("tools");
            for (JsonNode tool : item.get("tools")) {
                JsonNode function = tool.get("function");
                tools.addObject().put("name", function.get("name").asText()).put("description", function.path("description").asText())
                        .set("input_schema", function.get("parameters"));
            }
        }
        if (item.hasNonNull("enable_thinking")) {
            ObjectNode thinking = body.putObject("thinking");
            if (item.get("enable_thinking").asBoolean()) {
                thinking.put("type", "enabled").put("budget_tokens", 1024);
            } else {
                thinking.put("type", "disabled");
            }
        }
        return body;
    }

    /**
     * Every third eval.json item (all kinds: arithmetic, strings, tool calls, tool answers, thinking on, off and
     * default) through /v1/chat/completions and /v1/messages, plain and streamed: the same prompt tokens, the same
     * reasoning, text and tool calls, and the streamed deltas add up to the plain answer.
     */
    @Test
    void eachEvalConversationGetsTheChatCompletionsAnswerStreamedOrNot() throws Exception {
        EvalConversations.everyThirdAgreesWithChat("Anthropic messages", 0, AnthropicMessagesTest::postJson, (item, chat, expected) -> {
            ObjectNode request = asMessagesRequest(item);
            JsonNode message = postJson("/v1/messages", request);
            JsonNode counted = postJson("/v1/messages/count_tokens", request);
            JsonNode streamed = streamedMessage(request.deepCopy().put("stream", true));
            int promptTokens = chat.at("/usage/prompt_tokens").asInt();
            String finish = switch (chat.at("/choices/0/finish_reason").asText()) {
                case "tool_calls" -> "tool_use";
                case "length" -> "max_tokens";
                default -> "end_turn";
            };
            return !ofBlocks(message.get("content")).equals(expected) ? "answer " + message
                    : !ofBlocks(streamed.get("content")).equals(expected) ? "streamed answer " + streamed
                    : !message.path("stop_reason").asText().equals(finish) ? "stop_reason " + message
                    : !streamed.path("stop_reason").asText().equals(finish) ? "streamed stop_reason " + streamed
                    : message.at("/usage/input_tokens").asInt() + message.at("/usage/cache_read_input_tokens").asInt() != promptTokens
                    ? "usage " + message.get("usage") + " against " + promptTokens + " prompt tokens"
                    : counted.path("input_tokens").asInt() != promptTokens ? "count_tokens " + counted + " against " + promptTokens
                    : message.at("/usage/output_tokens").asInt() != chat.at("/usage/completion_tokens").asInt() ? "output_tokens " + message
                    : null;
        });
    }

    /**
     * A stream folded into the message it describes, checking Anthropic's grammar on the way: message_start first,
     * every block started, given deltas of its own type and stopped in index order, then message_delta and
     * message_stop last; pings anywhere in between.
     */
    private static JsonNode streamedMessage(JsonNode request) throws Exception {
        HttpResponse<String> response = post("/v1/messages", request.toString(), KEY);
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<Map.Entry<String, JsonNode>> events = ServerSentEvents.parse(response.body());
        assertEquals("message_start", events.getFirst().getKey(), response.body());
        ObjectNode message = events.getFirst().getValue().get("message").deepCopy();
        assertEquals(0, message.get("content").size());
        assertEquals("message_stop", events.getLast().getKey(), response.body());
        ArrayNode content = message.putArray("content");
        Map<Integer, StringBuilder> json = new LinkedHashMap<>();
        int open = -1;
        boolean delta = false;
        for (Map.Entry<String, JsonNode> event : events.subList(1, events.size() - 1)) {
            JsonNode data = event.getValue();
            switch (event.getKey()) {
                case "ping" -> {
                }
                case "content_block_start" -> {
                    assertEquals(-1, open, "a block starts only after the previous stopped: " + response.body());
                    open = data.get("index").asInt();
                    assertEquals(content.size(), open, "blocks are numbered in order");
                    content.add(data.get("content_block").deepCopy());
                }
                case "content_block_delta" -> {
                    assertEquals(open, data.get("index").asInt(), response.body());
                    ObjectNode block = (ObjectNode) content.get(open);
                    JsonNode piece = data.get("delta");
                    switch (piece.get("type").asText()) {
                        case "text_delta" -> block.put("text", block.get("text").asText() + piece.get("text").asText());
                        case "thinking_delta" -> block.put("thinking", block.get("thinking").asText() + piece.get("thinking").asText());
                        case "input_json_delta" -> json.computeIfAbsent(open, k -> new StringBuilder()).append(piece.get("partial_json").asText());
                        default -> throw new AssertionError("delta " + piece);
                    }
                    assertEquals(block.get("type").asText() + "_delta", piece.get("type").asText().replace("input_json", "tool_use"));
                }
                case "content_block_stop" -> {
                    assertEquals(open, data.get("index").asInt(), response.body());
                    open = -1;
                }
                case "message_delta" -> {
                    assertEquals(-1, open, "every block stopped before message_delta");
                    assertFalse(delta, "one message_delta");
                    delta = true;
                    message.set("stop_reason", data.at("/delta/stop_reason"));
                    message.set("stop_sequence", data.at("/delta/stop_sequence"));
                    message.set("usage", data.get("usage"));
                }
                default -> throw new AssertionError("unexpected event " + event + " in " + response.body());
            }
        }
        assertTrue(delta, "a message_delta: " + response.body());
        for (Map.Entry<Integer, StringBuilder> input : json.entrySet()) {
            ((ObjectNode) content.get(input.getKey())).set("input", JSON.readTree(input.getValue().toString()));
        }
        return message;
    }

    private static ObjectNode ask(String question, boolean thinking) {
        ObjectNode body = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 200).put("temperature", 0);
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        body.putObject("thinking").put("type", thinking ? "adaptive" : "disabled");
        return body;
    }

    @Test
    void stopSequencesMaxTokensAndAContextSizedMaxTokens() throws Exception {
        ObjectNode stopped = ask("Which city is the capital of Brazil?", false);
        stopped.putArray("stop_sequences").add("Brasilia");
        JsonNode message = postJson("/v1/messages", stopped);
        assertEquals("stop_sequence", message.get("stop_reason").asText(), message.toString());
        assertEquals("Brasilia", message.get("stop_sequence").asText());
        assertEquals("The capital of Brazil is", message.at("/content/0/text").asText(), "text up to the stop sequence, trimmed as in chat");

        JsonNode cut = postJson("/v1/messages", ask("Which city is the capital of Brazil?", false).put("max_tokens", 3));
        assertEquals("max_tokens", cut.get("stop_reason").asText(), cut.toString());
        assertEquals(3, cut.at("/usage/output_tokens").asInt());

        // Claude Code asks for 32,000 tokens and more; the context (2,048 here) bounds the answer instead.
        JsonNode large = postJson("/v1/messages", ask("Which city is the capital of Brazil?", false).put("max_tokens", 64000));
        assertEquals("end_turn", large.get("stop_reason").asText(), large.toString());
        assertEquals("The capital of Brazil is Brasilia.", large.at("/content/0/text").asText());
        assertEquals("glm-nano", large.get("model").asText(), "an alias is answered by the served model");
    }

    @Test
    void thinkingAdaptiveThinksAndDisabledDoesNot() throws Exception {
        JsonNode thought = postJson("/v1/messages", ask("Name the capital of India.", true));
        assertEquals("thinking", thought.at("/content/0/type").asText(), thought.toString());
        assertEquals("The user asks about India. I recall that its capital is New Delhi.", thought.at("/content/0/thinking").asText());
        assertEquals("The capital of India is New Delhi.", thought.at("/content/1/text").asText());
        JsonNode direct = postJson("/v1/messages", ask("Name the capital of India.", false));
        assertEquals(1, direct.get("content").size(), direct.toString());
        assertEquals("text", direct.at("/content/0/type").asText());
    }

    /** Claude Code's shape: tools, a forced tool, then the tool's result sent back to continue the turn. */
    @Test
    void toolUseRoundTripWithToolChoice() throws Exception {
        ObjectNode request = ask("Tell me the weather for Austin.", false);
        ObjectNode tool = request.putArray("tools").addObject().put("name", "get_weather")
                .put("description", "Get the current weather in a city.");
        tool.putObject("input_schema").put("type", "object").putObject("properties").putObject("city").put("type", "string");
        request.putObject("metadata").put("user_id", "someone");
        request.putObject("output_config").put("effort", "high");
        JsonNode call = postJson("/v1/messages", request);
        assertEquals("tool_use", call.get("stop_reason").asText(), call.toString());
        JsonNode use = call.get("content").get(call.get("content").size() - 1);
        assertEquals("get_weather", use.get("name").asText());
        assertEquals("{\"city\":\"Austin\"}", use.get("input").toString());

        ObjectNode forced = request.deepCopy();
        forced.putObject("tool_choice").put("type", "tool").put("name", "get_weather");
        ((ObjectNode) forced.at("/messages/0")).put("content", "Hello there!");
        JsonNode made = postJson("/v1/messages", forced);
        assertEquals("tool_use", made.get("stop_reason").asText(), "a named tool_choice forces the call: " + made);

        ArrayNode messages = (ArrayNode) request.get("messages");
        messages.addObject().put("role", "assistant").set("content", call.get("content"));
        messages.addObject().put("role", "user").putArray("content").addObject().put("type", "tool_result")
                .put("tool_use_id", use.get("id").asText()).put("content", "{\"city\": \"Austin\", \"temperature\": 4, \"condition\": \"snowy\"}");
        JsonNode answer = postJson("/v1/messages", request);
        assertEquals("end_turn", answer.get("stop_reason").asText(), answer.toString());
        assertEquals("It is 4 degrees and snowy in Austin.", answer.at("/content/0/text").asText().strip());
    }

    private static void assertError(HttpResponse<String> response, int status, String type, String... fragments) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("error", body.path("type").asText(), response.body());
        assertEquals(type, body.at("/error/type").asText(), response.body());
        for (String fragment : fragments) {
            assertTrue(body.at("/error/message").asText().contains(fragment), "expected '" + fragment + "' in " + response.body());
        }
    }

    @Test
    void badRequestsGetAnthropicShapedErrors() throws Exception {
        String hello = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]";
        assertError(post("/v1/messages?beta=true", "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}", KEY),
                400, "invalid_request_error", "max_tokens");
        assertError(post("/v1/messages", "{\"model\":\"claude-x\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":\"image\",\"source\":{}}]}]}", KEY),
                400, "invalid_request_error", "messages[0].content[1]", "image", "text only");
        assertError(post("/v1/messages", hello + ",\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]}", KEY),
                400, "invalid_request_error", "tools[0]", "web_search_20250305");
        assertError(post("/v1/messages", hello + ",\"temperature\":1.5}", KEY), 400, "invalid_request_error", "temperature");
        assertError(post("/v1/messages", hello + "}", null), 401, "authentication_error");
        assertError(post("/v1/messages", hello + "}", "wrong"), 401, "authentication_error");
        assertError(post("/v1/messages", hello.replace("claude-sonnet-4-5", "gpt-9") + "}", KEY), 404, "not_found_error", "gpt-9");
        assertError(post("/v1/messages", "{\"system\":\"" + "x".repeat(HttpLimits.DEFAULTS.maxBodyBytes()) + "\"}", KEY),
                413, "request_too_large");
        assertEquals(200, post("/v1/messages", hello + "}", KEY).statusCode(), "the server goes on serving");
        assertNotNull(postJson("/v1/messages/count_tokens", JSON.readTree(hello + "}")).get("input_tokens"));
    }
}
