package dev.glint.engine.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one set of rules for typed JSON fields, and the messages that name a refused field by its path. */
class JsonFieldsTest {

    /** A caller's own exception, keeping the two parts the reader hands it. */
    private static final class Refused extends RuntimeException {
        final String path;
        final String problem;

        Refused(String path, String problem) {
            super(path + " " + problem);
            this.path = path;
            this.problem = problem;
        }
    }

    private static JsonFields fields(String json) {
        return fields(json, "");
    }

    private static JsonFields fields(String json, String path) {
        try {
            return JsonFields.of(Json.STRICT.readTree(json), path, Refused::new);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertRefused(String message, Executable read) {
        assertEquals(message, assertThrows(Refused.class, read).getMessage());
    }

    /** For messages whose middle needs no spelling out. */
    private static void assertRefused(String start, Executable read, String end) {
        String message = assertThrows(Refused.class, read).getMessage();
        assertTrue(message.startsWith(start) && message.endsWith(end), message);
    }

    @Test
    void aWholeNumberIsAnIntegerHoweverItIsWritten() {
        JsonFields f = fields("{\"a\": 3, \"b\": 3.0, \"c\": 3e2, \"d\": -0.0}");
        assertEquals(3, f.integer("a", 0, 10));
        assertEquals(3, f.integer("b", 0, 10));
        assertEquals(300, f.integer("c", 0, 1000));
        assertEquals(0, f.integer("d", 0, 10));
        assertEquals(3L, f.longInteger("b", 0));
    }

    @Test
    void aFractionATextOrABooleanIsNoInteger() {
        JsonFields f = fields("{\"fraction\": 3.5, \"text\": \"3\", \"flag\": true}");
        assertRefused("fraction must be an integer from 0 to 10, found number 3.5", () -> f.integer("fraction", 0, 10));
        assertRefused("text must be an integer from 0 to 10, found string \"3\"", () -> f.integer("text", 0, 10));
        assertRefused("flag must be an integer from 0 to 10, found boolean true", () -> f.integer("flag", 0, 10));
        assertRefused("fraction must be a 64-bit integer, found number 3.5", () -> f.longInteger("fraction", 0));
    }

    @Test
    void anIntegerOutsideItsRangeOrItsBitsIsRefused() {
        JsonFields f = fields("{\"zero\": 0, \"big\": 4294967296, \"huge\": 1e30}");
        assertRefused("zero must be an integer from 1 to 2147483647", () -> f.integer("zero", 1, Integer.MAX_VALUE), "found number 0");
        assertRefused("big must be a 32-bit integer, found number 4294967296", () -> f.integer("big", 0));
        assertEquals(4294967296L, f.longInteger("big", 0));
        assertRefused("huge must be a 64-bit integer, found number 1.0E30", () -> f.longInteger("huge", 0));
    }

    @Test
    void numbersAreFiniteJsonNumbersInTheirRange() {
        JsonFields f = fields("{\"one\": 1, \"half\": 0.5, \"text\": \"0.5\", \"infinite\": 1e400, \"hot\": 2.5}");
        assertEquals(1.0, f.number("one", 0, 0, 2));
        assertEquals(0.5, f.positiveNumber("half", 1));
        assertRefused("text must be a number from 0 to 2, found string \"0.5\"", () -> f.number("text", 0, 0, 2));
        assertRefused("hot must be a number from 0 to 2, found number 2.5", () -> f.number("hot", 0, 0, 2));
        assertRefused("hot must be a number from -0.5 to 0.5, found number 2.5", () -> f.number("hot", 0, -0.5, 0.5));
        assertRefused("infinite must be a number of at least 0, found number",
                () -> f.number("infinite", 0, 0, Double.POSITIVE_INFINITY), "Infinity\"");
        assertRefused("half must be a positive number, found number -0.5",
                () -> fields("{\"half\": -0.5}").positiveNumber("half", 1));
    }

    @Test
    void booleansAndStringsAreNeverConverted() {
        JsonFields f = fields("{\"one\": 1, \"yes\": \"true\", \"number\": 42}");
        assertRefused("one must be true or false, found number 1", () -> f.bool("one", false));
        assertRefused("yes must be true or false, found string \"true\"", () -> f.bool("yes", false));
        assertRefused("number must be a string, found number 42", () -> f.string("number", ""));
    }

    @Test
    void absentAndNullAreNotGiven() {
        JsonFields f = fields("{\"nothing\": null}");
        for (String name : List.of("nothing", "absent")) {
            assertFalse(f.has(name));
            assertEquals(null, f.get(name));
            assertEquals(7, f.integer(name, 7, 0, 10));
            assertEquals("x", f.string(name, "x"));
            assertEquals(List.of(), f.strings(name, List.of()));
            assertFalse(f.objectOrEmpty(name).has("anything"));
            assertRefused(name + " is missing", () -> f.integer(name, 0, 10));
            assertRefused(name + " is missing", () -> f.string(name));
            assertRefused(name + " is missing", () -> f.object(name));
            assertRefused(name + " is missing", () -> f.objects(name));
        }
    }

    @Test
    void listsHoldOnlyTheirItemTypeAndABadItemIsNamedByItsIndex() {
        JsonFields f = fields("{\"ignore\": [\"lm_head\", 3], \"lone\": \"lm_head\", \"ids\": [1, 2.0, -1]}", "quantization_config");
        assertRefused("quantization_config.ignore[1] must be a string, found number 3", () -> f.strings("ignore", List.of()));
        assertRefused("quantization_config.lone must be a list of strings, found string \"lm_head\"", () -> f.strings("lone", List.of()));
        assertRefused("quantization_config.ids[2] must be an integer from 0 to 9, found number -1",
                () -> f.integers("ids", List.of(), 0, 9));
        assertEquals(List.of(1, 2), fields("{\"ids\": [1, 2.0]}").integers("ids", List.of(), 0, 9));
    }

    @Test
    void nestedFieldsAreNamedByTheirPathFromTheRoot() {
        JsonFields config = fields("""
                {"config_groups": {"group_0": {"weights": {"group_size": "32"}}},
                 "dynamic": {"-:.*mlp.*": {"bits": 8.5}}, "modules": []}""", "quantization_config");
        JsonFields weights = config.object("config_groups").object("group_0").object("weights");
        assertRefused("quantization_config.config_groups.group_0.weights.group_size must be a 32-bit integer, found string \"32\"",
                () -> weights.integer("group_size", 0));
        JsonFields rule = config.object("dynamic").object("-:.*mlp.*");
        assertRefused("quantization_config.dynamic[\"-:.*mlp.*\"].bits must be a 32-bit integer, found number 8.5",
                () -> rule.integer("bits", 4));
        assertRefused("quantization_config.modules must be an object, found array []", () -> config.object("modules"));
        assertRefused("quantization_config.modules must be an object, found array []", () -> config.objectOrEmpty("modules"));
        assertEquals("quantization_config.absent.bits", config.objectOrEmpty("absent").pathOf("bits"));
    }

    @Test
    void aRequestsMessagesAreNamedByIndex() {
        JsonFields request = fields("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, 3, {\"role\": \"user\"}]}");
        assertRefused("messages[1] must be an object, found number 3", () -> request.objects("messages"));
        JsonFields third = fields("{\"messages\": [{}, {}, {\"role\": \"user\"}]}").objects("messages").get(2);
        assertRefused("messages[2].content is missing", () -> third.string("content"));
        assertEquals("messages[2].content", third.pathOf("content"));
    }

    @Test
    void namesThatAreNoPlainWordsAreQuotedInBrackets() {
        JsonFields vocab = fields("{}", "model.vocab");
        assertEquals("model.vocab.b", vocab.pathOf("b"));
        assertEquals("model.vocab[\"Ġthe\"]", vocab.pathOf("Ġthe"));
        assertEquals("model.vocab[\"a \\\"b\\\"\"]", vocab.pathOf("a \"b\""));
        assertEquals("[\"a b\"]", fields("{}").pathOf("a b"));
    }
}
