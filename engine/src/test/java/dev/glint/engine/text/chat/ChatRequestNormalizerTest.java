package dev.glint.engine.text.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatRequestNormalizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ChatInput normalize(String request) {
        return ChatRequestNormalizer.normalize(json(request));
    }

    private static String error(String request) {
        return assertThrows(ChatRequestException.class, () -> normalize(request)).getMessage();
    }

    @Test
    void rolesContentReasoningAndArgumentsTakeTheShapesTemplatesExpect() {
        ChatInput input = normalize("""
                {"messages": [
                  {"role": "developer", "content": "d"},
                  {"role": "assistant", "content": null, "reasoning": "r",
                   "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{\\"a\\": [1, \\"x\\"]}"}},
                                  {"type": "function", "function": {"name": "g", "arguments": ""}},
                                  {"type": "function", "function": {"name": "h"}}]},
                  {"role": "function", "name": "f", "content": [{"type": "text", "text": "o"}, {"type": "text", "text": "k"}]},
                  {"role": "assistant", "content": "a", "reasoning_content": "kept", "reasoning": "ignored"}]}""");
        assertEquals(json("""
                [{"role": "system", "content": "d"},
                 {"role": "assistant", "content": "", "tool_calls": [
                   {"type": "function", "function": {"name": "f", "arguments": {"a": [1, "x"]}}},
                   {"type": "function", "function": {"name": "g", "arguments": {}}},
                   {"type": "function", "function": {"name": "h", "arguments": {}}}], "reasoning_content": "r"},
                 {"role": "tool", "name": "f", "content": "ok"},
                 {"role": "assistant", "content": "a", "reasoning_content": "kept"}]"""), input.messages());
        assertNull(input.tools());
        assertTrue(input.addGenerationPrompt());
        assertNull(input.enableThinking(), "no switch set leaves the template's default");
    }

    @Test
    void userContentPartsAreLeftForTheTemplate() {
        JsonNode parts = json("[{\"type\": \"text\", \"text\": \"a\"}, {\"type\": \"image_url\", \"image_url\": {\"url\": \"u\"}}]");
        ChatInput input = ChatRequestNormalizer.normalize(json("{\"messages\": [{\"role\": \"user\", \"content\": " + parts + "}]}"));
        assertEquals(parts, input.messages().get(0).get("content"));
    }

    @Test
    void everyThinkingSwitchMapsToEnableThinking() {
        String messages = "\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]";
        assertEquals(false, normalize("{" + messages + ", \"chat_template_kwargs\": {\"enable_thinking\": false}}").enableThinking());
        assertEquals(true, normalize("{" + messages + ", \"chat_template_kwargs\": {\"enable_thinking\": true}}").enableThinking());
        assertEquals(false, normalize("{" + messages + ", \"thinking\": {\"type\": \"disabled\"}}").enableThinking());
        assertEquals(true, normalize("{" + messages + ", \"thinking\": {\"type\": \"enabled\"}}").enableThinking());
        assertEquals(false, normalize("{" + messages + ", \"reasoning_effort\": \"none\"}").enableThinking());
        assertNull(normalize("{" + messages + ", \"reasoning_effort\": \"high\"}").enableThinking());
        assertEquals(true, normalize("{" + messages + ", \"chat_template_kwargs\": {\"enable_thinking\": true},"
                + " \"thinking\": {\"type\": \"disabled\"}}").enableThinking(), "the template kwarg is the most specific");
    }

    @Test
    void otherTemplateKwargsAndGenerationPromptPassThrough() {
        ChatInput input = normalize("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"add_generation_prompt\": false,"
                + " \"chat_template_kwargs\": {\"enable_thinking\": false, \"custom\": 1}}");
        assertFalse(input.addGenerationPrompt());
        assertEquals(json("{\"custom\": 1}"), input.templateKwargs());
    }

    @Test
    void malformedRequestsGetErrorsNamingTheField() {
        assertEquals("the request body must be a JSON object", error("[]"));
        assertEquals("'messages' must be an array of message objects", error("{\"messages\": \"hi\"}"));
        assertEquals("'messages' must be an array of message objects", error("{}"));
        assertEquals("'messages' must contain at least one message", error("{\"messages\": []}"));
        assertEquals("messages[0] must be an object with a 'role'", error("{\"messages\": [\"hi\"]}"));
        assertEquals("messages[0].role must be a string", error("{\"messages\": [{\"content\": \"hi\"}]}"));
        assertEquals("messages[1].role 'critic' is not supported; use system, developer, user, assistant or tool",
                error("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"critic\", \"content\": \"b\"}]}"));
        assertEquals("messages[0].content must be a string, an array of content parts or null",
                error("{\"messages\": [{\"role\": \"user\", \"content\": 5}]}"));
        assertEquals("'tools' must be an array of tool objects",
                error("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"tools\": {}}"));
        assertEquals("'chat_template_kwargs.enable_thinking' must be a boolean",
                error("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"chat_template_kwargs\": {\"enable_thinking\": \"no\"}}"));
    }

    @Test
    void unparseableToolCallArgumentsAreRejectedWithTheirLocation() {
        String message = error("""
                {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "",
                  "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{\\"city\\": Oslo}"}}]}]}""");
        assertTrue(message.startsWith("messages[1].tool_calls[0].function.arguments is not valid JSON ("), message);
        assertTrue(message.endsWith("): {\"city\": Oslo}"), message);
        assertEquals("messages[1].tool_calls[0].function.arguments must encode a JSON object, got: [1]", error("""
                {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "",
                  "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "[1]"}}]}]}"""));
        assertEquals("messages[0].tool_calls[0].function.name must be a string", error("""
                {"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": "{}"}}]}]}"""));
    }
}
