package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** glm-nano's held-out conversations (eval.json), sent through each protocol and compared as one answer. */
final class EvalConversations {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalConversations() {
    }

    /** What one protocol's answer to an item breaks, held to the chat completion of the same item; null when nothing. */
    @FunctionalInterface
    interface Comparison {
        String problem(JsonNode item, JsonNode chat, Answer expected) throws Exception;
    }

    /** A POST of a JSON body that must succeed, with the test's own credentials. */
    @FunctionalInterface
    interface Post {
        JsonNode post(String path, JsonNode body) throws Exception;
    }

    /**
     * Every third item from {@code first}, sent greedily through /v1/chat/completions and compared by
     * {@code comparison} with what {@code protocol} answers; prints the count and fails listing the first differences.
     */
    static void everyThirdAgreesWithChat(String protocol, int first, Post post, Comparison comparison) throws Exception {
        JsonNode items = items();
        List<String> wrong = new ArrayList<>();
        int asked = 0;
        for (int i = first; i < items.size(); i += 3) {
            JsonNode item = items.get(i);
            asked++;
            JsonNode chat = post.post("/v1/chat/completions", chatRequest(item));
            Answer expected = Answer.ofChat(chat.at("/choices/0/message"));
            String problem = comparison.problem(item, chat, expected);
            if (problem != null) {
                wrong.add("item " + item.get("id") + ": " + problem + "; chat said " + expected);
            }
        }
        System.out.printf("%s: %d/%d eval conversations answered as chat completions%n", protocol, asked - wrong.size(), asked);
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + asked + " differ; first: " + wrong.stream().limit(2).toList());
    }

    static JsonNode items() throws IOException {
        return JSON.readTree(Path.of("../models/glm-nano/eval.json").toFile()).get("items");
    }

    /** The item as a greedy /v1/chat/completions request: the reference every other protocol is held to. */
    static ObjectNode chatRequest(JsonNode item) {
        ObjectNode body = JSON.createObjectNode().put("model", "glm-nano").put("temperature", 0).put("max_tokens", 200);
        body.set("messages", item.get("messages"));
        if (item.hasNonNull("tools")) {
            body.set("tools", item.get("tools"));
        }
        if (item.hasNonNull("enable_thinking")) {
            body.putObject("chat_template_kwargs").put("enable_thinking", item.get("enable_thinking").asBoolean());
        }
        return body;
    }

    /**
     * Tool calls as {@code name(arg=value,...)}, values as text, comparable with the eval reference's: the reference
     * keeps GLM's strings ("49"), the server types arguments by the tool's schema (49). {@code openAiShape}: calls as
     * the API returns them (function.name, arguments as JSON text), else as the reference lists them.
     */
    static String referenceToolCalls(JsonNode calls, boolean openAiShape) throws IOException {
        StringBuilder out = new StringBuilder();
        for (JsonNode call : calls) {
            JsonNode function = openAiShape ? call.path("function") : call;
            JsonNode arguments = openAiShape ? JSON.readTree(function.path("arguments").asText()) : function.path("arguments");
            out.append(function.path("name").asText()).append('(');
            arguments.properties().forEach(e -> out.append(e.getKey()).append('=').append(e.getValue().asText()).append(','));
            out.append(')');
        }
        return out.toString();
    }

    /** An answer whatever protocol shaped it: reasoning, text, and tool calls as name and parsed arguments. */
    record Answer(String reasoning, String text, String toolCalls) {
        static Answer ofChat(JsonNode message) throws IOException {
            StringBuilder calls = new StringBuilder();
            for (JsonNode call : message.path("tool_calls")) {
                calls.append(call(call.at("/function/name").asText(), JSON.readTree(call.at("/function/arguments").asText())));
            }
            return new Answer(message.path("reasoning_content").asText(""), message.path("content").asText(""), calls.toString());
        }

        static String call(String name, JsonNode arguments) {
            return name + arguments + ";";
        }
    }
}
