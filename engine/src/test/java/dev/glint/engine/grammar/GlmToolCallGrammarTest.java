package dev.glint.engine.grammar;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GLM's tool-call markup as a grammar: strict tools' arguments typed by their schemas, the others free. */
class GlmToolCallGrammarTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Byte tokens 0..0xF4, the six markup words as tokens 256.. (their grammar bytes), and an end id. */
    private static final List<String> WORDS = List.of("<tool_call>", "</tool_call>", "<arg_key>", "</arg_key>", "<arg_value>", "</arg_value>");
    private static final int END = 300;
    private static final TokenVocabulary VOCABULARY = TokenVocabulary.of(301, id -> id < 0xF5 ? new byte[]{(byte) id}
            : id >= 256 && id < 256 + WORDS.size() ? new byte[]{(byte) (int) GlmToolCallGrammar.MARKUP.get(WORDS.get(id - 256))}
            : null, Set.of(END));

    private static GrammarAutomaton weatherAndAdd() throws Exception {
        return new GrammarAutomaton(GlmToolCallGrammar.compile(List.of(
                new GlmToolCallGrammar.Tool("get_weather", JSON.readTree("{\"type\":\"object\",\"properties\":{\"city\":"
                        + "{\"enum\":[\"Paris\",\"Lima\"]},\"days\":{\"type\":\"integer\"}},\"required\":[\"city\"]}"), true),
                new GlmToolCallGrammar.Tool("add", JSON.readTree("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
                        + "\"b\":{\"type\":\"number\"}},\"required\":[\"a\",\"b\"]}"), true),
                new GlmToolCallGrammar.Tool("search", JSON.readTree("{\"type\":\"object\"}"), false))), VOCABULARY);
    }

    /** Text with the markup words written out, as the grammar reads it. */
    private static byte[] call(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); ) {
            int at = i;
            String word = WORDS.stream().filter(w -> text.startsWith(w, at)).findFirst().orElse(null);
            if (word != null) {
                out.write(GlmToolCallGrammar.MARKUP.get(word));
                i += word.length();
            } else {
                out.writeBytes(String.valueOf(text.charAt(i)).getBytes(StandardCharsets.UTF_8));
                i++;
            }
        }
        return out.toByteArray();
    }

    private static boolean accepts(GrammarAutomaton automaton, String text) {
        GrammarAutomaton.State state = automaton.next(automaton.start(), call(text));
        return !state.isDead() && state.isComplete();
    }

    @Test
    void strictArgumentsFollowTheirSchemaOthersAreFree() throws Exception {
        GrammarAutomaton automaton = weatherAndAdd();
        for (String good : new String[]{
                "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Lima</arg_value>\n</tool_call>",
                "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Paris</arg_value><arg_key>days</arg_key><arg_value>3</arg_value></tool_call>",
                "<tool_call>add\n<arg_key>a</arg_key>\n<arg_value>55</arg_value>\n<arg_key>b</arg_key>\n<arg_value>-4.5</arg_value>\n</tool_call>",
                "<tool_call>search\n<arg_key>q</arg_key>\n<arg_value>anything at all</arg_value>\n</tool_call>",
                "<tool_call>search</tool_call>"}) {
            assertTrue(accepts(automaton, good), good);
        }
        for (String bad : new String[]{
                "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Austin</arg_value>\n</tool_call>",
                "<tool_call>get_weather\n</tool_call>",
                "<tool_call>get_weather\n<arg_key>town</arg_key>\n<arg_value>Lima</arg_value>\n</tool_call>",
                "<tool_call>add\n<arg_key>a</arg_key>\n<arg_value>five</arg_value>\n<arg_key>b</arg_key>\n<arg_value>4</arg_value>\n</tool_call>",
                "<tool_call>add\n<arg_key>b</arg_key>\n<arg_value>4</arg_value>\n<arg_key>a</arg_key>\n<arg_value>5</arg_value>\n</tool_call>",
                "<tool_call>subtract\n</tool_call>"}) {
            assertFalse(accepts(automaton, bad), bad);
        }
    }

    /** Free text, a constrained call, free text again, a second call: the constraint holds only inside calls. */
    @Test
    void aLazyConstraintHoldsFromTheOpeningMarkupToTheClosingOne() throws Exception {
        GrammarConstraint constraint = GrammarConstraint.lazy(weatherAndAdd(), VOCABULARY, 1000);
        float[] logits = new float[301];
        constraint.mask(logits, logits.length);
        assertEquals(0f, logits['A'], "before a call, any text");
        for (int id : new int[]{'O', 'k', '\n', 256}) {
            constraint.accept(id);
        }
        for (char c : "get_weather\n".toCharArray()) {
            constraint.accept(c);
        }
        constraint.accept(256 + 2);
        logits = new float[301];
        constraint.mask(logits, logits.length);
        assertEquals(0f, logits['c'], "inside the call, the declared key");
        assertEquals(Float.NEGATIVE_INFINITY, logits['t'], "not another");
        assertEquals(Float.NEGATIVE_INFINITY, logits[END], "and no end before the call is closed");
        for (char c : "city".toCharArray()) {
            constraint.accept(c);
        }
        constraint.accept(256 + 3);
        constraint.accept(256 + 4);
        for (char c : "Lima".toCharArray()) {
            constraint.accept(c);
        }
        constraint.accept(256 + 5);
        constraint.accept(256 + 1);
        logits = new float[301];
        constraint.mask(logits, logits.length);
        assertEquals(0f, logits['x'], "after </tool_call>, free again");
        assertEquals(0f, logits[END]);
    }

    @Test
    void aStrictSchemaTheGrammarCannotEnforceIsRefusedByName() throws Exception {
        UnsupportedSchemaException e = assertThrows(UnsupportedSchemaException.class, () -> GlmToolCallGrammar.compile(List.of(
                new GlmToolCallGrammar.Tool("f", JSON.readTree("{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"pattern\":\"x\"}}}"), true))));
        assertEquals("pattern", e.keyword(), e.getMessage());
        assertTrue(e.getMessage().contains("tools[f]"), e.getMessage());
    }
}
