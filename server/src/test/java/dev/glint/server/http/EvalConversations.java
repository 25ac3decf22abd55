package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;

/** glm-nano's held-out conversations (eval.json), sent through each protocol and compared as one answer. */
final class EvalConversations {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalConversations() {
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
