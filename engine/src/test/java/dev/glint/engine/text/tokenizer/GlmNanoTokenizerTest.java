package dev.glint.engine.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.GlmNanoEval;
import dev.glint.engine.text.chat.ChatTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

import static dev.glint.engine.eval.EvalSet.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** glm-nano's tokenizer on its eval.json (ids from Hugging Face tokenizers) and the public API around it. */
class GlmNanoTokenizerTest {
    private static Tokenizer tokenizer;
    private static JsonNode items;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.load(GlmNanoEval.MODEL);
        items = GlmNanoEval.items();
    }

    private static int byteToken(int b) {
        return tokenizer.id(String.valueOf(ByteLevel.charOf(b))).orElseThrow();
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
        assertEquals(502, items.size());
        assertTrue(wrong.isEmpty(), wrong.size() + " mismatches; first: " + wrong.stream().limit(2).toList());
    }

    @Test
    void everyEvalConversationRendersAndTokenizesToItsPromptIds() throws IOException {
        ChatTemplate template = ChatTemplate.load(GlmNanoEval.MODEL);
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
    void aCharacterSplitAcrossTokensIsEmittedWholeWithTheTokenThatCompletesIt() {
        int[] ids = tokenizer.encode("é€😀");
        assertEquals(9, ids.length, "one token per byte: " + Arrays.toString(ids));
        StreamingDecoder stream = tokenizer.streamingDecoder(false);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(stream.next(id));
        }
        assertEquals(List.of("", "é", "", "", "€", "", "", "", "😀"), pieces);
        assertEquals("", stream.flush());
    }

    @Test
    void randomBytesStreamToTheTextOfOneDecodeAndValidTextNeverToReplacementCharacters() {
        SplittableRandom random = new SplittableRandom(11);
        for (int round = 0; round < 500; round++) {
            int[] ids = new int[1 + random.nextInt(16)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = byteToken(random.nextInt(256));
            }
            StreamingDecoder stream = tokenizer.streamingDecoder(false);
            StringBuilder text = new StringBuilder();
            for (int id : ids) {
                text.append(stream.next(id));
            }
            assertEquals(tokenizer.decode(ids, false), text.append(stream.flush()).toString(), Arrays.toString(ids));
        }
        String valid = "Grüße, 世界! 👍🏽 ok";
        StreamingDecoder stream = tokenizer.streamingDecoder(false);
        for (int id : tokenizer.encode(valid)) {
            assertFalse(stream.next(id).contains("\uFFFD"), "no piece of valid text holds U+FFFD");
        }
    }

    @Test
    void onlySpecialTokensAreSkippedSoThinkAndToolCallsStay() {
        int[] ids = tokenizer.encode("[gMASK]<sop><|user|>\nHi<|assistant|><think>ok</think><tool_call>f</tool_call>");
        assertArrayEquals(new int[]{1482, 1484, 1487}, Arrays.copyOf(ids, 3));
        assertEquals("\nHi<think>ok</think><tool_call>f</tool_call>", tokenizer.decode(ids, true));
        assertEquals("[gMASK]<sop><|user|>\nHi<|assistant|><think>ok</think><tool_call>f</tool_call>", tokenizer.decode(ids, false));
        assertTrue(tokenizer.isSpecial(1487) && !tokenizer.isSpecial(1501) && !tokenizer.isSpecial(1503) && !tokenizer.isSpecial(72));
    }

    @Test
    void tokensAndIdsLookEachOtherUp() {
        assertEquals(1516, tokenizer.vocabSize());
        assertEquals(OptionalInt.of(1501), tokenizer.id("<think>"));
        assertEquals("<think>", tokenizer.token(1501));
        assertEquals(OptionalInt.of(byteToken(' ')), tokenizer.id("Ġ"));
        assertArrayEquals(new byte[]{' '}, tokenizer.bytes(byteToken(' ')));
        assertArrayEquals(new byte[]{(byte) 0xE2}, tokenizer.bytes(byteToken(0xE2)));
        assertEquals(OptionalInt.empty(), tokenizer.id("no such token"));
        assertNull(tokenizer.token(1516));
        assertNull(tokenizer.token(-1));
        assertArrayEquals(new byte[0], tokenizer.bytes(1530));
    }

    @Test
    void idsWithoutATokenDecodeToNothingAsInHuggingFace() {
        int[] hi = tokenizer.encode("Hi");
        int[] withHoles = {hi[0], 1520, -3, 99_999};
        assertEquals(tokenizer.decode(new int[]{hi[0]}, false), tokenizer.decode(withHoles, false));
        StreamingDecoder stream = tokenizer.streamingDecoder(false);
        assertEquals("", stream.next(1530));
    }

    @Test
    void textWithAnUnpairedSurrogateIsRefused() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> tokenizer.encode("ok \uD83D then"));
        assertEquals("the text holds an unpaired surrogate U+D83D, which is not Unicode text", e.getMessage());
    }

    @Test
    void longRunsOfSpacesDigitsAndLettersEncodeInLinearTime() {
        for (String unit : new String[]{" ", "7", "\n", " \t", "x", "字", "!", "\r\n "}) {
            String text = unit.repeat(200_000 / unit.length()) + "end";
            int[] ids = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> tokenizer.encode(text),
                    () -> "'" + unit.replace("\n", "\\n") + "' × 200000");
            assertEquals(text, tokenizer.decode(ids, false));
        }
    }
}
