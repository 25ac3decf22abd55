package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An Anthropic Messages request translated into the chat shape the template reads: system text, messages whose
 * content blocks become text, {@code reasoning_content}, {@code tool_calls} and tool messages, tools with their
 * {@code input_schema} as parameters, tool_choice, and the thinking switch. Every refusal names the block at fault.
 */
final class AnthropicConversation {
    private AnthropicConversation() {
    }

    static ObjectNode toChat(JsonNode body) {
        ObjectNode chat = Exchange.JSON.createObjectNode();
        ArrayNode messages = chat.putArray("messages");
        JsonNode system = body.get("system");
        if (system != null && !system.isNull()) {
            messages.addObject().put("role", "system").put("content", text("system", system));
        }
        JsonNode given = body.get("messages");
        if (given == null || !given.isArray() || given.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' must be a non-empty array of messages");
        }
        for (int i = 0; i < given.size(); i++) {
            message("messages[" + i + "]", given.get(i), messages);
        }
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull()) {
            chat.set("tools", tools(tools));
        }
        JsonNode choice = body.get("tool_choice");
        if (choice != null && !choice.isNull()) {
            chat.set("tool_choice", toolChoice(choice));
        }
        Boolean thinking = thinking(body.get("thinking"));
        if (thinking != null) {
            chat.putObject("chat_template_kwargs").put("enable_thinking", thinking);
        }
        return chat;
    }

    private static void message(String where, JsonNode message, ArrayNode out) {
        if (!message.isObject()) {
            throw ApiException.badRequest("messages", where + " must be an object with 'role' and 'content'");
        }
        String role = message.path("role").asText("");
        JsonNode content = message.get("content");
        switch (role) {
            // Claude Code puts system notes in the middle of a conversation; GLM's template renders them in place.
            case "system" -> out.addObject().put("role", "system").put("content", text(where + ".content", content));
            case "user" -> user(where, content, out);
            case "assistant" -> assistant(where, content, out);
            default -> throw ApiException.badRequest("messages", where + ".role must be \"user\" or \"assistant\", not "
                    + message.get("role"));
        }
    }

    /** User text, and tool results, which become tool messages in the order the blocks come. */
    private static void user(String where, JsonNode content, ArrayNode out) {
        if (content != null && content.isTextual()) {
            out.addObject().put("role", "user").put("content", content.textValue());
            return;
        }
        StringBuilder text = null;
        for (int j = 0; j < blocks(where, content).size(); j++) {
            JsonNode block = content.get(j);
            String at = where + ".content[" + j + "]";
            switch (type(at, block)) {
                case "text" -> {
                    text = text == null ? new StringBuilder() : text;
                    text.append(string(at + ".text", block.get("text")));
                }
                case "tool_result" -> {
                    if (text != null) {
                        out.addObject().put("role", "user").put("content", text.toString());
                        text = null;
                    }
                    String result = block.hasNonNull("content") ? text(at + ".content", block.get("content")) : "";
                    // GLM's template has no error flag for a tool response: the text says it.
                    if (block.path("is_error").asBoolean(false)) {
                        result = "Error: " + result;
                    }
                    out.addObject().put("role", "tool").put("tool_call_id", string(at + ".tool_use_id", block.get("tool_use_id")))
                            .put("content", result);
                }
                default -> unsupported(at, block);
            }
        }
        if (text != null) {
            out.addObject().put("role", "user").put("content", text.toString());
        }
    }

    /** The model's earlier turn: text, the thinking it showed, the tools it called. */
    private static void assistant(String where, JsonNode content, ArrayNode out) {
        ObjectNode message = out.addObject().put("role", "assistant");
        if (content != null && content.isTextual()) {
            message.put("content", content.textValue());
            return;
        }
        StringBuilder text = new StringBuilder();
        StringBuilder thinking = null;
        ArrayNode calls = null;
        for (int j = 0; j < blocks(where, content).size(); j++) {
            JsonNode block = content.get(j);
            String at = where + ".content[" + j + "]";
            switch (type(at, block)) {
                case "text" -> text.append(string(at + ".text", block.get("text")));
                case "thinking" -> {
                    thinking = thinking == null ? new StringBuilder() : thinking;
                    thinking.append(string(at + ".thinking", block.get("thinking")));
                }
                case "redacted_thinking" -> {
                    // Encrypted by another server: nothing this model can read.
                }
                case "tool_use" -> {
                    calls = calls == null ? message.putArray("tool_calls") : calls;
                    JsonNode input = block.get("input");
                    if (input == null || !input.isObject()) {
                        throw ApiException.badRequest("messages", at + ".input must be an object");
                    }
                    ObjectNode call = calls.addObject().put("id", string(at + ".id", block.get("id"))).put("type", "function");
                    call.putObject("function").put("name", string(at + ".name", block.get("name"))).set("arguments", input);
                }
                default -> unsupported(at, block);
            }
        }
        message.put("content", text.toString());
        if (thinking != null) {
            message.put("reasoning_content", thinking.toString());
        }
    }

    private static JsonNode blocks(String where, JsonNode content) {
        if (content == null || !content.isArray()) {
            throw ApiException.badRequest("messages", where + ".content must be a string or an array of content blocks");
        }
        return content;
    }

    private static String type(String at, JsonNode block) {
        if (!block.isObject() || !block.path("type").isTextual()) {
            throw ApiException.badRequest("messages", at + " must be a content block object with a 'type'");
        }
        return block.get("type").textValue();
    }

    private static void unsupported(String at, JsonNode block) {
        String type = block.get("type").textValue();
        throw ApiException.badRequest("messages", switch (type) {
            case "image", "document" -> at + " is an " + type + " block: this model reads text only";
            default -> at + ": content blocks of type '" + type + "' are not supported here";
        });
    }

    /** A string, or text blocks joined by newlines, as system prompts and tool results may be. */
    private static String text(String where, JsonNode value) {
        if (value != null && value.isTextual()) {
            return value.textValue();
        }
        if (value == null || !value.isArray()) {
            throw ApiException.badRequest(where.startsWith("system") ? "system" : "messages",
                    where + " must be a string or an array of text blocks");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < value.size(); j++) {
            JsonNode block = value.get(j);
            String at = where + "[" + j + "]";
            if (!"text".equals(type(at, block))) {
                unsupported(at, block);
            }
            text.append(j == 0 ? "" : "\n").append(string(at + ".text", block.get("text")));
        }
        return text.toString();
    }

    private static String string(String where, JsonNode value) {
        if (value == null || !value.isTextual()) {
            throw ApiException.badRequest(where.startsWith("system") ? "system" : "messages", where + " must be a string");
        }
        return value.textValue();
    }

    /** Custom tools ({@code name}, {@code description}, {@code input_schema}); Anthropic's server tools run nowhere here. */
    private static ArrayNode tools(JsonNode tools) {
        if (!tools.isArray()) {
            throw ApiException.badRequest("tools", "'tools' must be an array of tools");
        }
        ArrayNode out = Exchange.JSON.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String at = "tools[" + i + "]";
            if (!tool.isObject() || !tool.path("name").isTextual()) {
                throw ApiException.badRequest("tools", at + " must be an object with a string 'name'");
            }
            String type = tool.path("type").asText("custom");
            if (!type.equals("custom")) {
                throw ApiException.badRequest("tools", at + " is Anthropic's server tool '" + type
                        + "', which this server does not run; declare it as a custom tool with an input_schema");
            }
            JsonNode schema = tool.get("input_schema");
            if (schema == null || !schema.isObject()) {
                throw ApiException.badRequest("tools", at + ".input_schema must be a JSON schema object");
            }
            ObjectNode function = out.addObject().put("type", "function").putObject("function");
            function.put("name", tool.get("name").textValue());
            if (tool.hasNonNull("description")) {
                function.put("description", string(at + ".description", tool.get("description")));
            }
            function.set("parameters", schema);
            if (tool.path("strict").isBoolean()) {
                function.put("strict", tool.get("strict").booleanValue());
            }
        }
        return out;
    }

    /** auto, any (some tool must be called), tool (this one), none; disable_parallel_tool_use changes nothing for GLM. */
    private static JsonNode toolChoice(JsonNode choice) {
        String type = choice.path("type").asText("");
        return switch (type) {
            case "auto" -> Exchange.JSON.getNodeFactory().textNode("auto");
            case "any" -> Exchange.JSON.getNodeFactory().textNode("required");
            case "none" -> Exchange.JSON.getNodeFactory().textNode("none");
            case "tool" -> {
                if (!choice.path("name").isTextual()) {
                    throw ApiException.badRequest("tool_choice", "tool_choice of type 'tool' needs the tool's 'name'");
                }
                ObjectNode named = Exchange.JSON.createObjectNode().put("type", "function");
                named.putObject("function").put("name", choice.get("name").textValue());
                yield named;
            }
            default -> throw ApiException.badRequest("tool_choice",
                    "tool_choice must be {\"type\": \"auto\" | \"any\" | \"tool\" | \"none\"}, not " + choice);
        };
    }

    /** enabled (any budget) and adaptive think, disabled does not, no field leaves the model's default. */
    private static Boolean thinking(JsonNode thinking) {
        if (thinking == null || thinking.isNull()) {
            return null;
        }
        return switch (thinking.path("type").asText("")) {
            case "enabled", "adaptive" -> true;
            case "disabled" -> false;
            default -> throw ApiException.badRequest("thinking",
                    "thinking must be {\"type\": \"enabled\" | \"adaptive\" | \"disabled\"}, not " + thinking);
        };
    }
}
