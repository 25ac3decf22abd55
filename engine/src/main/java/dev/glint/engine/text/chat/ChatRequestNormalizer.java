package dev.glint.engine.text.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * Turns what OpenAI-style clients really send into what chat templates were written for (serving-api.md §7.1):
 * {@code developer} → {@code system} and legacy {@code function} → {@code tool} (templates silently drop roles
 * they do not know), null content → {@code ""} (templates would print {@code None}), tool-call
 * {@code arguments} sent as a JSON string → an object (templates iterate {@code arguments.items()}),
 * {@code reasoning} accepted for {@code reasoning_content}, tool results sent as text parts → one string, and one
 * {@code enable_thinking} flag from whichever switch the client used.
 */
public final class ChatRequestNormalizer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ROLES = Map.of(
            "system", "system", "developer", "system", "user", "user", "assistant", "assistant",
            "tool", "tool", "function", "tool");

    private ChatRequestNormalizer() {
    }

    /**
     * @param request an OpenAI chat completion request body ({@code messages}, {@code tools},
     *                {@code chat_template_kwargs}, {@code thinking}, {@code reasoning_effort}, ...)
     * @throws ChatRequestException when the request cannot describe a conversation
     */
    public static ChatInput normalize(JsonNode request) {
        if (request == null || !request.isObject()) {
            throw new ChatRequestException("the request body must be a JSON object");
        }
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new ChatRequestException("'messages' must be an array of message objects");
        }
        if (messages.isEmpty()) {
            throw new ChatRequestException("'messages' must contain at least one message");
        }
        ArrayNode normalized = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < messages.size(); i++) {
            normalized.add(message(i, messages.get(i)));
        }
        ObjectNode kwargs = object(request, "chat_template_kwargs");
        Boolean enableThinking = enableThinking(request, kwargs);
        kwargs.remove("enable_thinking");
        return new ChatInput(normalized, tools(request.get("tools")), addGenerationPrompt(request), enableThinking, kwargs);
    }

    private static ObjectNode message(int index, JsonNode message) {
        String where = "messages[" + index + "]";
        if (!message.isObject()) {
            throw new ChatRequestException(where + " must be an object with a 'role'");
        }
        ObjectNode out = ((ObjectNode) message).deepCopy();
        JsonNode roleNode = message.get("role");
        if (roleNode == null || !roleNode.isTextual()) {
            throw new ChatRequestException(where + ".role must be a string");
        }
        String role = ROLES.get(roleNode.textValue());
        if (role == null) {
            throw new ChatRequestException(where + ".role '" + roleNode.textValue()
                    + "' is not supported; use system, developer, user, assistant or tool");
        }
        out.put("role", role);
        out.set("content", content(where, role, message.get("content")));
        reasoning(where, message, out);
        JsonNode toolCalls = message.get("tool_calls");
        if (toolCalls == null || toolCalls.isNull()) {
            out.remove("tool_calls");
        } else if (toolCalls.isArray()) {
            for (int j = 0; j < toolCalls.size(); j++) {
                toolCall(where + ".tool_calls[" + j + "]", toolCalls.get(j), (ArrayNode) out.get("tool_calls"), j);
            }
        } else {
            throw new ChatRequestException(where + ".tool_calls must be an array");
        }
        return out;
    }

    private static JsonNode content(String where, String role, JsonNode content) {
        if (content == null || content.isNull()) {
            return JsonNodeFactory.instance.textNode("");
        }
        if (content.isTextual()) {
            return content;
        }
        if (!content.isArray()) {
            throw new ChatRequestException(where + ".content must be a string, an array of content parts or null");
        }
        if (role.equals("tool") && isTextParts(content)) {
            StringBuilder text = new StringBuilder();
            content.forEach(part -> text.append(part.get("text").textValue()));
            return JsonNodeFactory.instance.textNode(text.toString());
        }
        return content;
    }

    /** Tool results as text parts become one string: the only other rendering templates offer is a Python repr. */
    private static boolean isTextParts(JsonNode parts) {
        for (JsonNode part : parts) {
            if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static void reasoning(String where, JsonNode message, ObjectNode out) {
        JsonNode reasoning = message.get("reasoning_content");
        if (reasoning == null || reasoning.isNull()) {
            reasoning = message.get("reasoning");
        }
        out.remove("reasoning");
        out.remove("reasoning_content");
        if (reasoning == null || reasoning.isNull()) {
            return;
        }
        if (!reasoning.isTextual()) {
            throw new ChatRequestException(where + ".reasoning_content must be a string");
        }
        out.set("reasoning_content", reasoning);
    }

    private static void toolCall(String where, JsonNode call, ArrayNode calls, int index) {
        if (!call.isObject()) {
            throw new ChatRequestException(where + " must be an object");
        }
        ObjectNode copy = ((ObjectNode) call).deepCopy();
        ObjectNode holder = copy;
        String path = where;
        if (call.has("function")) {
            if (!call.get("function").isObject()) {
                throw new ChatRequestException(where + ".function must be an object");
            }
            holder = (ObjectNode) copy.get("function");
            path = where + ".function";
        }
        if (!holder.path("name").isTextual()) {
            throw new ChatRequestException(path + ".name must be a string");
        }
        holder.set("arguments", arguments(path + ".arguments", holder.get("arguments")));
        calls.set(index, copy);
    }

    private static JsonNode arguments(String where, JsonNode arguments) {
        if (arguments == null || arguments.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (arguments.isObject()) {
            return arguments;
        }
        if (!arguments.isTextual()) {
            throw new ChatRequestException(where + " must be a JSON object or a string holding one");
        }
        String text = arguments.textValue();
        if (text.isBlank()) {
            return JsonNodeFactory.instance.objectNode();
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ChatRequestException(where + " is not valid JSON (" + e.getOriginalMessage() + "): "
                    + abbreviate(text), e);
        }
        if (parsed == null || !parsed.isObject()) {
            throw new ChatRequestException(where + " must encode a JSON object, got: " + abbreviate(text));
        }
        return parsed;
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static ArrayNode tools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return null;
        }
        if (!tools.isArray()) {
            throw new ChatRequestException("'tools' must be an array of tool objects");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            if (!tool.isObject()) {
                throw new ChatRequestException("tools[" + i + "] must be an object");
            }
            JsonNode function = tool.get("function");
            if (function != null && !(function.isObject() && function.path("name").isTextual())) {
                throw new ChatRequestException("tools[" + i + "].function must be an object with a string 'name'");
            }
        }
        return (ArrayNode) tools;
    }

    private static boolean addGenerationPrompt(JsonNode request) {
        JsonNode flag = request.get("add_generation_prompt");
        if (flag == null || flag.isNull()) {
            return true;
        }
        if (!flag.isBoolean()) {
            throw new ChatRequestException("'add_generation_prompt' must be a boolean");
        }
        return flag.booleanValue();
    }

    private static ObjectNode object(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!value.isObject()) {
            throw new ChatRequestException("'" + field + "' must be an object");
        }
        return value.deepCopy();
    }

    /**
     * vLLM/SGLang clients send {@code chat_template_kwargs.enable_thinking}, Z.ai clients
     * {@code thinking.type}, llama.cpp clients {@code reasoning_effort: none}; the most specific one wins.
     */
    private static Boolean enableThinking(JsonNode request, ObjectNode kwargs) {
        JsonNode flag = kwargs.get("enable_thinking");
        if (flag != null && !flag.isNull()) {
            if (!flag.isBoolean()) {
                throw new ChatRequestException("'chat_template_kwargs.enable_thinking' must be a boolean");
            }
            return flag.booleanValue();
        }
        String type = request.path("thinking").path("type").asText("");
        if (type.equals("disabled")) {
            return false;
        }
        if (type.equals("enabled")) {
            return true;
        }
        return "none".equals(request.path("reasoning_effort").asText(null)) ? false : null;
    }
}
