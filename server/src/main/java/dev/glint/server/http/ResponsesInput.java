package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;

/**
 * An OpenAI Responses request translated into the chat shape the template reads: {@code instructions} as the system
 * message; {@code input} as a string or items — messages, {@code reasoning} (kept for the assistant turn it precedes),
 * {@code function_call} (gathered into the assistant turn's tool calls) and {@code function_call_output} (tool
 * messages); function tools; tool_choice; {@code reasoning.effort} as the thinking switch.
 */
final class ResponsesInput {
    private ResponsesInput() {
    }

    static ObjectNode toChat(JsonNode body) {
        ObjectNode chat = Exchange.JSON.createObjectNode();
        ArrayNode messages = chat.putArray("messages");
        String instructions = new RequestFields(body).string("instructions", null);
        if (instructions != null) {
            messages.addObject().put("role", "system").put("content", instructions);
        }
        JsonNode input = body.get("input");
        if (input != null && input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.textValue());
        } else if (input != null && input.isArray() && !input.isEmpty()) {
            items(input, messages);
        } else {
            throw ApiException.badRequest("input", "'input' must be a non-empty string or a non-empty array of items");
        }
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull()) {
            chat.set("tools", tools(tools));
        }
        JsonNode choice = body.get("tool_choice");
        if (choice != null && !choice.isNull()) {
            chat.set("tool_choice", toolChoice(choice));
        }
        String effort = body.path("reasoning").path("effort").asText(null);
        if (effort != null) {
            boolean thinking = switch (effort) {
                case "none", "minimal" -> false;
                case "low", "medium", "high", "xhigh" -> true;
                default -> throw ApiException.badRequest("reasoning.effort",
                        "reasoning.effort must be none, minimal, low, medium, high or xhigh, not '" + effort + "'");
            };
            chat.putObject("chat_template_kwargs").put("enable_thinking", thinking);
        }
        return chat;
    }

    private static void items(JsonNode input, ArrayNode messages) {
        ObjectNode assistant = null;
        String reasoning = null;
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            if (!item.isObject()) {
                throw ApiException.badRequest("input", at + " must be an object");
            }
            String type = item.path("type").asText(item.has("role") ? "message" : "");
            switch (type) {
                case "message" -> {
                    String role = item.path("role").asText("");
                    if (!role.equals("assistant")) {
                        assistant = null;
                    }
                    String text = text(at + ".content", item.get("content"));
                    switch (role) {
                        case "user" -> messages.addObject().put("role", "user").put("content", text);
                        case "system", "developer" -> messages.addObject().put("role", "system").put("content", text);
                        case "assistant" -> {
                            assistant = assistantTurn(messages, assistant, reasoning);
                            reasoning = null;
                            assistant.put("content", assistant.path("content").asText("") + text);
                        }
                        default -> throw ApiException.badRequest("input", at + ".role must be user, system, developer or "
                                + "assistant, not " + item.get("role"));
                    }
                }
                case "reasoning" -> reasoning = reasoningText(item);
                case "function_call" -> {
                    assistant = assistantTurn(messages, assistant, reasoning);
                    reasoning = null;
                    ArrayNode calls = assistant.has("tool_calls") ? (ArrayNode) assistant.get("tool_calls") : assistant.putArray("tool_calls");
                    ObjectNode call = calls.addObject().put("id", string(at + ".call_id", item.get("call_id"))).put("type", "function");
                    call.putObject("function").put("name", string(at + ".name", item.get("name")))
                            .put("arguments", string(at + ".arguments", item.get("arguments")));
                }
                case "function_call_output" -> {
                    assistant = null;
                    JsonNode output = item.get("output");
                    messages.addObject().put("role", "tool").put("tool_call_id", string(at + ".call_id", item.get("call_id")))
                            .put("content", output != null && output.isTextual() ? output.textValue() : text(at + ".output", output));
                }
                default -> throw ApiException.badRequest("input", at + ": items of type '" + type + "' are not supported here"
                        + " (message, reasoning, function_call and function_call_output are)");
            }
        }
    }

    /** The assistant turn the next output item belongs to: the current one, or a new one after other turns. */
    private static ObjectNode assistantTurn(ArrayNode messages, ObjectNode current, String reasoning) {
        ObjectNode turn = current != null ? current : messages.addObject().put("role", "assistant").put("content", "");
        if (reasoning != null) {
            turn.put("reasoning_content", reasoning);
        }
        return turn;
    }

    /** A reasoning item's text: its reasoning_text content, else its summary. */
    private static String reasoningText(JsonNode item) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : item.path("content")) {
            text.append(part.path("text").asText(""));
        }
        if (text.isEmpty()) {
            for (JsonNode part : item.path("summary")) {
                text.append(part.path("text").asText(""));
            }
        }
        return text.toString();
    }

    /** Content as a string or input_text / output_text parts, joined; {@code at} names the content. */
    private static String text(String at, JsonNode content) {
        if (content != null && content.isTextual()) {
            return content.textValue();
        }
        if (content == null || !content.isArray()) {
            throw ApiException.badRequest("input", at + " must be a string or an array of text parts");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String type = part.path("type").asText("");
            switch (type) {
                case "input_text", "output_text", "text" -> text.append(string(at + "[" + j + "].text", part.get("text")));
                case "input_image", "input_file", "input_audio" -> throw ApiException.badRequest("input",
                        at + "[" + j + "] is " + type + ": this model reads text only");
                default -> throw ApiException.badRequest("input", at + "[" + j + "]: parts of type '" + type + "' are not supported");
            }
        }
        return text.toString();
    }

    private static String string(String where, JsonNode value) {
        if (value == null || !value.isTextual()) {
            throw ApiException.badRequest("input", where + " must be a string");
        }
        return value.textValue();
    }

    /** OpenAI's hosted tools: they run on OpenAI's servers, so here they are left out of what the model is offered. */
    private static final Set<String> HOSTED_TOOLS = Set.of("web_search", "web_search_preview",
            "file_search", "code_interpreter", "image_generation", "computer_use_preview", "mcp", "local_shell");

    /**
     * Function tools ({@code name}, {@code description}, {@code parameters}), including those grouped in a
     * {@code namespace} (Codex groups its sub-agent tools so); hosted tools are left out, any other type refused.
     */
    private static ArrayNode tools(JsonNode tools) {
        if (!tools.isArray()) {
            throw ApiException.badRequest("tools", "'tools' must be an array of tools");
        }
        ArrayNode out = Exchange.JSON.createArrayNode();
        functions("tools", tools, out);
        return out;
    }

    private static void functions(String where, JsonNode tools, ArrayNode out) {
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String at = where + "[" + i + "]";
            String type = tool.path("type").asText("");
            if (type.equals("namespace") && tool.path("tools").isArray()) {
                functions(at + ".tools", tool.get("tools"), out);
                continue;
            }
            if (HOSTED_TOOLS.contains(type)) {
                continue;
            }
            if (!type.equals("function")) {
                throw ApiException.badRequest("tools", at + " is of type '" + type + "': this server runs function tools only");
            }
            if (!tool.path("name").isTextual()) {
                throw ApiException.badRequest("tools", at + " needs a string 'name'");
            }
            ObjectNode function = out.addObject().put("type", "function").putObject("function");
            function.put("name", tool.get("name").textValue());
            if (tool.hasNonNull("description")) {
                function.set("description", tool.get("description"));
            }
            function.set("parameters", tool.hasNonNull("parameters") ? tool.get("parameters")
                    : Exchange.JSON.createObjectNode().put("type", "object"));
            if (tool.path("strict").isBoolean()) {
                function.put("strict", tool.get("strict").booleanValue());
            }
        }
    }

    /** auto, none, required, or {"type": "function", "name": ...}. */
    private static JsonNode toolChoice(JsonNode choice) {
        if (choice.isTextual()) {
            return choice;
        }
        if (choice.path("type").asText("").equals("function") && choice.path("name").isTextual()) {
            ObjectNode named = Exchange.JSON.createObjectNode().put("type", "function");
            named.putObject("function").put("name", choice.get("name").textValue());
            return named;
        }
        throw ApiException.badRequest("tool_choice", "tool_choice must be \"auto\", \"none\", \"required\" or "
                + "{\"type\": \"function\", \"name\": ...}, not " + choice);
    }
}
