package dev.glint.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON texts a compiled schema accepts and refuses, read byte by byte, and what the constraint guarantees. */
class JsonSchemaGrammarTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int END = 256;
    /** Every byte a token of its own (as in a byte-level vocabulary), and one end id. */
    private static final TokenVocabulary BYTES = TokenVocabulary.of(257, id -> id < 256 ? new byte[]{(byte) id} : null, Set.of(END));

    private static GrammarAutomaton automaton(String schema) throws Exception {
        return new GrammarAutomaton(JsonSchemaGrammar.compile(JSON.readTree(schema)), BYTES);
    }

    private static boolean accepts(GrammarAutomaton automaton, String text) {
        GrammarAutomaton.State state = automaton.next(automaton.start(), text.getBytes(StandardCharsets.UTF_8));
        return !state.isDead() && state.isComplete();
    }

    private static void check(String schema, String[] accepted, String[] refused) throws Exception {
        GrammarAutomaton automaton = automaton(schema);
        for (String text : accepted) {
            assertTrue(accepts(automaton, text), schema + " accepts " + text);
        }
        for (String text : refused) {
            assertFalse(accepts(automaton, text), schema + " refuses " + text);
        }
    }

    @Test
    void objectsKeepDeclaredPropertiesInOrderRequiredOnesAlways() throws Exception {
        check("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"},\"c\":{\"type\":\"boolean\"}},"
                        + "\"required\":[\"b\"]}",
                new String[]{"{\"b\":\"x\"}", "{\"a\":1,\"b\":\"\"}", "{ \"a\" : -20 , \"b\" : \"y\" , \"c\" : true }",
                        "{\"b\":\"x\",\"c\":false}", "\n{\n  \"b\": \"x\"\n}\n"},
                new String[]{"{}", "{\"a\":1}", "{\"b\":\"x\",\"a\":1}", "{\"b\":\"x\",}", "{\"b\":\"x\",\"d\":1}", "{\"b\":1}",
                        "{\"a\":01,\"b\":\"x\"}"});
    }

    @Test
    void arraysCountTheirItems() throws Exception {
        check("{\"type\":\"array\",\"items\":{\"type\":\"number\"},\"minItems\":2,\"maxItems\":3}",
                new String[]{"[1,2]", "[1.5, -2e3, 0.25]", "[ 0 , 0 ]"},
                new String[]{"[]", "[1]", "[1,2,3,4]", "[1,]", "[\"1\",2]"});
        check("{\"type\":\"array\"}", new String[]{"[]", "[1,\"a\",{\"k\":[null]}]"}, new String[]{"[", "[1 2]"});
    }

    @Test
    void stringsEscapesUtf8AndLengthsInCharacters() throws Exception {
        check("{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}",
                new String[]{"\"ab\"", "\"abc\"", "\"é€\"", "\"a\\n\"", "\"\\u00e9x\""},
                new String[]{"\"a\"", "\"abcd\"", "\"a\nb\"", "\"\\x\""});
        check("{\"type\":\"string\"}", new String[]{"\"\"", "\"\\\"quoted\\\" \\\\ / 𝄞\""}, new String[]{"\"a", "\"a\"b\""});
        GrammarAutomaton any = automaton("{\"type\":\"string\"}");
        GrammarAutomaton.State open = any.next(any.start(), "\"".getBytes(StandardCharsets.UTF_8));
        assertTrue(any.next(open, 0xC0).isDead(), "an overlong UTF-8 lead byte is never allowed");
        assertTrue(any.next(open, 0x80).isDead(), "nor a stray continuation byte");
        assertTrue(any.next(any.next(open, 0xED), 0xA0).isDead(), "nor a surrogate (U+D800..U+DFFF)");
        assertTrue(any.next(any.next(open, 0xF4), 0x90).isDead(), "nor a code point past U+10FFFF");
    }

    @Test
    void enumConstAnyOfAndTypeLists() throws Exception {
        check("{\"enum\":[\"red\",\"green\",3,null]}", new String[]{"\"red\"", "3", "null"}, new String[]{"\"blue\"", "\"Red\"", "4"});
        check("{\"const\":{\"k\":[1,true]}}", new String[]{"{\"k\":[1,true]}"}, new String[]{"{\"k\":[1]}"});
        check("{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"null\"}}}]}",
                new String[]{"12", "{}", "{\"x\":null}"}, new String[]{"1.5", "{\"x\":1}"});
        check("{\"type\":[\"string\",\"null\"]}", new String[]{"\"s\"", "null"}, new String[]{"1"});
    }

    @Test
    void refsReachDefinitionsRecursively() throws Exception {
        String tree = "{\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{"
                + "\"value\":{\"type\":\"integer\"},\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},"
                + "\"required\":[\"value\"]}}}";
        check(tree, new String[]{"{\"value\":1}", "{\"value\":1,\"children\":[{\"value\":2,\"children\":[{\"value\":3}]}]}"},
                new String[]{"{\"value\":1,\"children\":[{}]}"});
    }

    @Test
    void keywordsItCannotEnforceAreRefusedByName() {
        for (String keyword : new String[]{"pattern", "format", "minimum", "oneOf", "allOf", "not", "uniqueItems", "prefixItems"}) {
            String schema = "{\"type\":\"string\",\"" + keyword + "\":" + (keyword.endsWith("Of") || keyword.equals("prefixItems") ? "[]" : "1") + "}";
            UnsupportedSchemaException e = assertThrows(UnsupportedSchemaException.class,
                    () -> JsonSchemaGrammar.compile(JSON.readTree(schema)), schema);
            assertEquals(keyword, e.keyword(), e.getMessage());
        }
        assertEquals("$ref", assertThrows(UnsupportedSchemaException.class,
                () -> JsonSchemaGrammar.compile(JSON.readTree("{\"$ref\":\"https://example.com/s.json\"}"))).keyword());
    }

    /**
     * Whatever the model prefers — here logits drawn at random, the worst case for a grammar — the constraint ends
     * every output as a complete document of the schema within its token budget, even one smaller than the longest
     * string the schema allows.
     */
    @Test
    void randomLogitsUnderTheConstraintAlwaysGiveACompleteDocumentWithinTheBudget() throws Exception {
        GrammarAutomaton automaton = automaton("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
                + "\"scores\":{\"type\":\"array\",\"items\":{\"type\":\"number\"}},\"ok\":{\"type\":\"boolean\"}},"
                + "\"required\":[\"name\",\"scores\",\"ok\"]}");
        SplittableRandom random = new SplittableRandom(42);
        for (int run = 0; run < 200; run++) {
            int budget = 40 + run;
            GrammarConstraint constraint = new GrammarConstraint(automaton, BYTES, budget);
            StringBuilder out = new StringBuilder();
            int generated = 0;
            while (generated < budget) {
                float[] logits = new float[257];
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = (float) random.nextGaussian() * 3;
                }
                constraint.mask(logits, logits.length);
                int best = 0;
                for (int i = 1; i < logits.length; i++) {
                    best = logits[i] > logits[best] ? i : best;
                }
                assertTrue(logits[best] > Float.NEGATIVE_INFINITY, "some token is always allowed, run " + run);
                constraint.accept(best);
                generated++;
                if (best == END) {
                    break;
                }
                out.append((char) best);
            }
            assertTrue(constraint.isComplete(), "run " + run + " (budget " + budget + "): " + out);
            JsonNode parsed = JSON.readTree(out.toString().getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(parsed.has("name") && parsed.get("scores").isArray() && parsed.get("ok").isBoolean(), out.toString());
        }
    }
}
