package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.server.http.EvalConversations.Answer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** glint serve on glm-nano answering OpenAI's Responses API, checked against its own chat completions and real clients. */
class OpenAiResponsesTest {
    private static final String KEY = "sk-glint-test";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ServedModel served;
    private static OpenAiServer server;
    private static String base;

    @BeforeAll
    static void start() throws InterruptedException {
        served = ServedModel.load(Path.of("../models/glm-nano"), new ServedModel.Options("glm-nano", 2, 2048, 8, 256, 64));
        server = OpenAiServer.start(served, "127.0.0.1", 0, KEY);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        served.close();
    }

    private static HttpResponse<String> post(String path, String body, String key) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode postJson(String path, JsonNode body) throws IOException, InterruptedException {
        HttpResponse<String> response = post(path, body.toString(), KEY);
        assertEquals(200, response.statusCode(), path + " " + body + " -> " + response.body());
        return JSON.readTree(response.body());
    }

    /** The answer of a Responses output array. */
    private static Answer ofOutput(JsonNode output) throws IOException {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder text = new StringBuilder();
        StringBuilder calls = new StringBuilder();
        for (JsonNode item : output) {
            switch (item.path("type").asText()) {
                case "reasoning" -> item.path("content").forEach(part -> reasoning.append(part.path("text").asText()));
                case "message" -> item.path("content").forEach(part -> text.append(part.path("text").asText()));
                case "function_call" -> {
                    assertTrue(item.path("call_id").asText().startsWith("call_"), item.toString());
                    calls.append(Answer.call(item.path("name").asText(), JSON.readTree(item.path("arguments").asText())));
                }
                default -> throw new AssertionError("unexpected item " + item);
            }
        }
        return new Answer(reasoning.toString(), text.toString(), calls.toString());
    }

    /** An eval.json conversation (OpenAI chat shape) written as Responses input items. */
    private static ObjectNode asResponsesRequest(JsonNode item) {
        ObjectNode body = JSON.createObjectNode().put("model", "glm-nano").put("max_output_tokens", 200).put("temperature", 0)
                .put("store", false);
        ArrayNode input = body.putArray("input");
        int callIds = 0;
        List<String> pending = new ArrayList<>();
        for (JsonNode message : item.get("messages")) {
            String role = message.get("role").asText();
            switch (role) {
                case "system", "user" -> input.addObject().put("role", role.equals("system") ? "developer" : "user")
                        .putArray("content").addObject().put("type", "input_text").put("text", message.get("content").asText());
                case "assistant" -> {
                    if (message.hasNonNull("reasoning_content")) {
                        input.addObject().put("type", "reasoning").putArray("summary").addObject().put("type", "summary_text")
                                .put("text", message.get("reasoning_content").asText());
                    }
                    if (!message.path("content").asText("").isEmpty()) {
                        input.addObject().put("type", "message").put("role", "assistant").putArray("content").addObject()
                                .put("type", "output_text").put("text", message.get("content").asText());
                    }
                    for (JsonNode call : message.path("tool_calls")) {
                        String id = "call_test" + callIds++;
                        pending.add(id);
                        input.addObject().put("type", "function_call").put("call_id", id).put("name", call.at("/function/name").asText())
                                .put("arguments", call.at("/function/arguments").toString());
                    }
                }
                case "tool" -> input.addObject().put("type", "function_call_output").put("call_id", pending.removeFirst())
                        .put("output", message.get("content").asText());
                default -> throw new AssertionError(role);
            }
        }
        if (item.hasNonNull("tools")) {
            ArrayNode tools = body.putArray("tools");
            for (JsonNode tool : item.get("tools")) {
                JsonNode function = tool.get("function");
                tools.addObject().put("type", "function").put("name", function.get("name").asText())
                        .put("description", function.path("description").asText()).set("parameters", function.get("parameters"));
            }
        }
        if (item.hasNonNull("enable_thinking")) {
            body.putObject("reasoning").put("effort", item.get("enable_thinking").asBoolean() ? "high" : "none");
        }
        return body;
    }

    /**
     * Every third eval.json item through /v1/chat/completions and /v1/responses, plain and streamed: the same
     * prompt tokens, reasoning, text and tool calls, and the streamed deltas add up to the completed response.
     */
    @Test
    void eachEvalConversationGetsTheChatCompletionsAnswerStreamedOrNot() throws Exception {
        EvalConversations.everyThirdAgreesWithChat("Responses API", 1, OpenAiResponsesTest::postJson, (item, chat, expected) -> {
            ObjectNode request = asResponsesRequest(item);
            JsonNode response = postJson("/v1/responses", request);
            JsonNode streamed = streamedResponse(request.deepCopy().put("stream", true));
            String status = chat.at("/choices/0/finish_reason").asText().equals("length") ? "incomplete" : "completed";
            return !ofOutput(response.get("output")).equals(expected) ? "response " + response.get("output")
                    : !ofOutput(streamed.get("output")).equals(expected) ? "streamed output " + streamed.get("output")
                    : !response.path("status").asText().equals(status) ? "status " + response.get("status")
                    : response.at("/usage/input_tokens").asInt() != chat.at("/usage/prompt_tokens").asInt() ? "usage " + response.get("usage")
                    : response.at("/usage/output_tokens").asInt() != chat.at("/usage/completion_tokens").asInt() ? "usage " + response.get("usage")
                    : null;
        });
    }

    /**
     * A stream folded into the response it describes: created first, completed (or incomplete) last, sequence
     * numbers in order, each item added, its deltas adding up to the item output_item.done carries, then done.
     */
    private static JsonNode streamedResponse(JsonNode request) throws Exception {
        HttpResponse<String> response = post("/v1/responses", request.toString(), KEY);
        assertEquals(200, response.statusCode(), response.body());
        List<Map.Entry<String, JsonNode>> events = ServerSentEvents.parse(response.body());
        assertEquals("response.created", events.getFirst().getKey(), response.body());
        String last = events.getLast().getKey();
        assertTrue(last.equals("response.completed") || last.equals("response.incomplete"), response.body());
        ArrayNode output = JSON.createArrayNode();
        StringBuilder deltas = null;
        for (int i = 0; i < events.size(); i++) {
            JsonNode data = events.get(i).getValue();
            assertEquals(i, data.path("sequence_number").asInt(), "sequence numbers count events: " + data);
            switch (events.get(i).getKey()) {
                case "response.output_item.added" -> {
                    assertEquals(output.size(), data.get("output_index").asInt());
                    deltas = new StringBuilder();
                }
                case "response.reasoning_text.delta", "response.output_text.delta", "response.function_call_arguments.delta" -> {
                    assertEquals(output.size(), data.get("output_index").asInt());
                    deltas.append(data.get("delta").asText());
                }
                case "response.output_item.done" -> {
                    JsonNode item = data.get("item");
                    String whole = switch (item.path("type").asText()) {
                        case "function_call" -> item.path("arguments").asText();
                        default -> item.at("/content/0/text").asText();
                    };
                    assertEquals(whole, deltas.toString(), "the deltas add up to the item: " + response.body());
                    output.add(item);
                }
                default -> {
                }
            }
        }
        JsonNode completed = events.getLast().getValue().get("response");
        assertEquals(output, completed.get("output"), "the completed response holds the streamed items");
        return completed;
    }

    private static void assertError(HttpResponse<String> response, int status, String param, String... fragments) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertTrue(error != null && error.has("message") && error.has("type"), "OpenAI's error shape: " + response.body());
        assertEquals(param, error.path("param").isNull() ? null : error.path("param").asText(), response.body());
        for (String fragment : fragments) {
            assertTrue(error.get("message").asText().contains(fragment), "expected '" + fragment + "' in " + response.body());
        }
    }

    @Test
    void fieldsItCannotHonourAreRefusedNamingThem() throws Exception {
        String hi = "{\"model\":\"glm-nano\",\"input\":\"Hi\"";
        assertError(post("/v1/responses", hi + ",\"store\":true}", KEY), 400, "store", "keeps no responses");
        assertError(post("/v1/responses", hi + ",\"previous_response_id\":\"resp_1\"}", KEY), 400, "previous_response_id");
        assertError(post("/v1/responses", hi + ",\"text\":{\"format\":{\"type\":\"json_schema\"}}}", KEY), 400, "text.format");
        assertError(post("/v1/responses", "{\"model\":\"glm-nano\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\","
                + "\"image_url\":\"data:,\"}]}]}", KEY), 400, "input", "input[0].content[0]", "text only");
        assertError(post("/v1/responses", hi + ",\"tools\":[{\"type\":\"custom\",\"name\":\"apply_patch\"}]}", KEY), 400, "tools", "custom");
        assertError(post("/v1/responses", hi + ",\"reasoning\":{\"effort\":\"maximal\"}}", KEY), 400, "reasoning.effort");
        assertError(post("/v1/responses", hi + "}", "wrong"), 401, null);
        assertError(post("/v1/responses", hi.replace("glm-nano", "gpt-9") + "}", KEY), 404, "model", "gpt-9");
        // Hosted tools run on OpenAI's servers: left out of what the model is offered, the rest of the request served.
        JsonNode hosted = postJson("/v1/responses", JSON.readTree(hi + ",\"tools\":[{\"type\":\"web_search\"}],\"temperature\":0}"));
        assertEquals("completed", hosted.get("status").asText(), hosted.toString());
        JsonNode cut = postJson("/v1/responses", JSON.readTree(hi + ",\"max_output_tokens\":3}"));
        assertEquals("incomplete", cut.get("status").asText(), cut.toString());
        assertEquals("max_output_tokens", cut.at("/incomplete_details/reason").asText());
    }

    @Test
    void officialNodeSdkResponsesPlainStreamedAndFunctionCall() throws Exception {
        Path script = NodeClients.installed("openai-node-e2e", "openai");
        NodeClients.Result e2e = NodeClients.run(script, Map.of("GLINT_URL", base + "/v1", "GLINT_API_KEY", KEY), 120,
                "node", "responses.mjs");
        assertEquals(0, e2e.exitCode(), e2e.output());
    }

    /**
     * Codex CLI ({@code codex exec}) with a custom provider on {@code wire_api = "responses"}, its own ~10K-token
     * prompt, function tools grouped in a namespace and the hosted web_search tool, against {@link GlmNanoCopies#longContext}.
     */
    @Test
    void codexExecCompletesThroughTheResponsesApi(@TempDir Path codexHome, @TempDir Path work, @TempDir Path longNano)
            throws Exception {
        Path script = NodeClients.installed("openai-node-e2e", "@openai/codex");
        try (ServedModel nano = ServedModel.load(GlmNanoCopies.longContext(longNano),
                new ServedModel.Options("glm-nano", 2, GlmNanoCopies.LONG_CONTEXT, 8, 2048, 64).withThinking(false));
             OpenAiServer codexServer = OpenAiServer.start(nano, "127.0.0.1", 0, KEY)) {
            Files.writeString(codexHome.resolve("config.toml"), """
                    model = "glm-nano"
                    model_provider = "glint"

                    [model_providers.glint]
                    name = "Glint"
                    base_url = "http://127.0.0.1:%d/v1"
                    env_key = "GLINT_API_KEY"
                    wire_api = "responses"
                    """.formatted(codexServer.port()));
            NodeClients.Result codex = NodeClients.run(work, Map.of("CODEX_HOME", codexHome.toString(), "GLINT_API_KEY", KEY),
                    540, script.resolve("node_modules/.bin/codex").toString(), "exec", "--skip-git-repo-check",
                    "What is 37 + 45?");
            assertEquals(0, codex.exitCode(), codex.output());
            assertTrue(codex.output().contains("tokens used"), codex.output());
            assertTrue(!codex.output().contains("ERROR"), codex.output());
        }
    }
}
