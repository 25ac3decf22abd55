package dev.glint.engine.text.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.GlmNanoEval;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every held-out glm-nano conversation, sent as an OpenAI request, renders to exactly the prompt it was evaluated on. */
class GlmNanoEvalPromptTest {
    private static final Path GLM_NANO = Path.of("../models/glm-nano");

    @Test
    void everyEvalConversationRendersToItsRecordedPrompt() throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode items = GlmNanoEval.items();
        assertEquals(502, items.size(), "eval.json items");
        ChatTemplate template = ChatTemplate.load(GLM_NANO);
        List<String> mismatches = new ArrayList<>();
        for (JsonNode item : items) {
            ObjectNode request = json.createObjectNode();
            request.set("messages", item.get("messages"));
            request.set("tools", item.get("tools"));
            if (item.get("enable_thinking").isBoolean()) {
                request.putObject("chat_template_kwargs").set("enable_thinking", item.get("enable_thinking"));
            }
            String prompt = template.apply(request).text();
            if (!prompt.equals(item.get("prompt").asText())) {
                mismatches.add("item " + item.get("id") + ": " + json.writeValueAsString(prompt));
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of 502 prompts differ; first: "
                + mismatches.stream().limit(2).toList());
    }
}
