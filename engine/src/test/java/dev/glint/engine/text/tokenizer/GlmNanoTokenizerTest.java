package dev.glint.engine.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.GlmNanoEval;
import dev.glint.engine.text.chat.ChatTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.glint.engine.GlmNanoEval.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** glm-nano's tokenizer on the rendered prompts and outputs of its eval.json (ids from Hugging Face tokenizers). */
class GlmNanoTokenizerTest {
    private static final Path GLM_NANO = Path.of("../models/glm-nano");
    private static Tokenizer tokenizer;
    private static JsonNode items;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.load(GLM_NANO);
        items = GlmNanoEval.items();
    }

    @Test
    void everyEvalPromptEncodesToItsIdsAndDecodesBack() {
        List<String> wrong = new ArrayList<>();
        for (JsonNode item : items) {
            String prompt = item.get("prompt").asText();
            int[] expected = ids(item.get("prompt_ids"));
            int[] actual = tokenizer.encode(prompt);
            if (!Arrays.equals(expected, actual)) {
                wrong.add("item " + item.get("id") + " " + prompt.replace("\n", "\\n") + ": expected " + Arrays.toString(expected)
                        + " got " + Arrays.toString(actual));
            }
            String decoded = tokenizer.decode(expected, false);
            if (!decoded.equals(prompt)) {
                wrong.add("item " + item.get("id") + ": decodes to " + decoded);
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " mismatches; first: " + wrong.stream().limit(2).toList());
    }

    @Test
    void everyEvalConversationRendersAndTokenizesToItsPromptIds() throws IOException {
        ChatTemplate template = ChatTemplate.load(GLM_NANO);
        ObjectMapper json = new ObjectMapper();
        List<String> wrong = new ArrayList<>();
        for (JsonNode item : items) {
            ObjectNode request = json.createObjectNode();
            request.set("messages", item.get("messages"));
            if (item.hasNonNull("tools")) {
                request.set("tools", item.get("tools"));
            }
            if (item.hasNonNull("enable_thinking")) {
                request.putObject("chat_template_kwargs").put("enable_thinking", item.get("enable_thinking").asBoolean());
            }
            int[] actual = tokenizer.encode(template.apply(request).text());
            if (!Arrays.equals(ids(item.get("prompt_ids")), actual)) {
                wrong.add("item " + item.get("id") + " gives " + Arrays.toString(actual));
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + items.size() + " differ; first: " + wrong.stream().limit(2).toList());
    }

    @Test
    void outputsStreamToTheSameTextAsOneDecode() {
        for (JsonNode item : items) {
            int[] output = ids(item.get("output_ids"));
            StreamingDecoder stream = tokenizer.streamingDecoder(false);
            StringBuilder text = new StringBuilder();
            for (int id : output) {
                text.append(stream.next(id));
            }
            text.append(stream.flush());
            assertEquals(tokenizer.decode(output, false), text.toString(), "item " + item.get("id"));
        }
    }

    @Test
    void aCharacterSplitAcrossTokensIsEmittedWhole() {
        int[] ids = tokenizer.encode("é€😀");
        StreamingDecoder stream = tokenizer.streamingDecoder(false);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(stream.next(id));
        }
        pieces.add(stream.flush());
        assertEquals("é€😀", String.join("", pieces));
        for (String piece : pieces) {
            assertTrue(piece.codePoints().noneMatch(cp -> cp == 0xFFFD), "no half characters: " + pieces);
        }
    }

    @Test
    void specialTokensAreSkippedOnlyWhenAskedAndThinkIsKept() {
        int[] ids = tokenizer.encode("[gMASK]<sop><|user|>\nHi<|assistant|><think>ok</think>");
        assertEquals(1482, ids[0]);
        assertEquals("\nHi<think>ok</think>", tokenizer.decode(ids, true));
        assertEquals("[gMASK]<sop><|user|>\nHi<|assistant|><think>ok</think>", tokenizer.decode(ids, false));
        assertTrue(tokenizer.isSpecial(1487) && !tokenizer.isSpecial(1501));
    }
}
