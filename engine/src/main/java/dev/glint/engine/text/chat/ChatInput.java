package dev.glint.engine.text.chat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A chat request reduced to what a chat template reads, in the shape Hugging Face templates expect.
 *
 * @param messages            normalised messages (roles system/user/assistant/tool, string or parts content,
 *                            {@code reasoning_content}, tool-call arguments as objects)
 * @param tools               the declared tools, or null when the request declares none
 * @param addGenerationPrompt whether the prompt ends by opening the assistant's turn
 * @param enableThinking      the one thinking switch the request set, or null to leave the template's default
 * @param templateKwargs      further {@code chat_template_kwargs}, passed to the template as variables
 */
public record ChatInput(ArrayNode messages, ArrayNode tools, boolean addGenerationPrompt, Boolean enableThinking,
                        ObjectNode templateKwargs) {

    /** The template variables, as transformers passes them: special tokens, kwargs, then the conversation. */
    Map<String, Object> variables(Map<String, String> specialTokens) {
        Map<String, Object> variables = new LinkedHashMap<>(specialTokens);
        templateKwargs.properties().forEach(e -> variables.put(e.getKey(), e.getValue()));
        variables.put("messages", messages);
        variables.put("tools", tools);
        variables.put("add_generation_prompt", addGenerationPrompt);
        if (enableThinking != null) {
            variables.put("enable_thinking", enableThinking);
        }
        return variables;
    }

    /** Whether the request declares at least one tool. */
    public boolean hasTools() {
        return tools != null && !tools.isEmpty();
    }
}
