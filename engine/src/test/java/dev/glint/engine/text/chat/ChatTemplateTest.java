package dev.glint.engine.text.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path GLM_NANO = Path.of("../models/glm-nano");

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void glmNanoRendersAToolRoundTripFromAnOpenAiSdkRequest() throws IOException {
        ChatPrompt prompt = ChatTemplate.load(GLM_NANO).apply(json("""
                {"model": "glm-nano", "messages": [
                  {"role": "developer", "content": "Be brief."},
                  {"role": "user", "content": "Weather in Oslo?"},
                  {"role": "assistant", "content": null, "reasoning": "Call it.",
                   "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}}]},
                  {"role": "tool", "tool_call_id": "c1", "content": "4C"}],
                 "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
                   "properties": {"city": {"type": "string"}}}}}],
                 "thinking": {"type": "disabled"}}"""));
        String text = prompt.text();
        assertTrue(text.startsWith("[gMASK]<sop><|system|>\n# Tools"), text);
        assertTrue(text.contains("<|system|>\nBe brief.<|user|>\nWeather in Oslo?/nothink<|assistant|>\n<think>Call it.</think>\n"
                + "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Oslo</arg_value>\n</tool_call><|observation|>\n"
                + "<tool_response>\n4C\n</tool_response><|assistant|>\n<think></think>"), text);
        assertFalse(prompt.startsInReasoning());
        assertTrue(prompt.input().hasTools());
    }

    /** Found by fuzzing the template: GLM's reads {@code tr.output} of each part of a tool result, and a null part threw NPE. */
    @Test
    void aNullContentPartOfAToolResultPrintsAsPythonsNone() throws IOException {
        String text = ChatTemplate.load(GLM_NANO).apply(json("{\"messages\": [{\"role\": \"tool\", \"content\": [null]}]}")).text();
        assertEquals("[gMASK]<sop><|observation|>\n<tool_response>\nNone\n</tool_response><|assistant|>", text,
                "what transformers renders");
    }

    @Test
    void promptEndingInAnOpenThinkBlockStartsInReasoning() {
        ChatTemplate template = ChatTemplate.of("{{ messages[0].content }}<|assistant|><think>", Map.of());
        assertTrue(template.apply(json("{\"messages\": [{\"role\": \"user\", \"content\": \"<think>x</think>\"}]}")).startsInReasoning());
    }

    @Test
    void templateRaiseExceptionReachesTheClientVerbatim() {
        ChatTemplate template = ChatTemplate.of("{% if messages[0].role != 'user' %}{{ raise_exception('Conversation must start "
                + "with a user message') }}{% endif %}", Map.of());
        ChatRequestException e = assertThrows(ChatRequestException.class,
                () -> template.apply(json("{\"messages\": [{\"role\": \"assistant\", \"content\": \"hi\"}]}")));
        assertEquals("the chat template rejected the conversation: Conversation must start with a user message", e.getMessage());
    }

    @Test
    void templateFailureOnOddInputIsAClientError() {
        ChatTemplate template = ChatTemplate.of("{{ messages[0].content.upper() }}", Map.of());
        ChatRequestException e = assertThrows(ChatRequestException.class,
                () -> template.apply(json("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"x\"}]}]}")));
        assertTrue(e.getMessage().contains("'list object' has no attribute 'upper'"), e.getMessage());
    }

    @Test
    void chatTemplateJinjaIsPreferredAndSpecialTokensComeFromTokenizerConfig(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "chat_template": "config"}""");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}\n");
        assertEquals("<s>hi</s>", ChatTemplate.load(dir).apply(json("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")).text());
    }

    @Test
    void namedTemplatesUseToolUseOnlyWhenToolsAreDeclared(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "default", "template": "plain"}, {"name": "tool_use", "template": "tools:{{ tools | length }}"}]}""");
        ChatTemplate template = ChatTemplate.load(dir);
        assertEquals("plain", template.apply(json("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")).text());
        assertEquals("plain", template.apply(json("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tools\": []}")).text());
        assertEquals("tools:1", template.apply(json("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                + " \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]}")).text());
    }

    @Test
    void folderWithoutAChatTemplateIsReported(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        IOException e = assertThrows(IOException.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
    }
}
