package dev.glint.engine.text.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GlmOutputParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode TOOLS = json("""
            [{"type": "function", "function": {"name": "edit", "parameters": {"type": "object", "properties": {
               "path": {"type": "string"}, "code": {"type": "string"}, "line": {"type": "integer"},
               "ratio": {"type": "number"}, "force": {"type": "boolean"}, "opts": {"type": "object"},
               "tags": {"type": "array"}, "maybe": {"type": ["string", "null"]}, "either": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
               "unit": {"enum": ["c", "f"]}}}}},
             {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}}]
            """);

    private static ParsedOutput parse(String text) {
        return GlmOutputParser.parse(text, TOOLS, false, List.of());
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void reasoningAndContentAreSplitAndTrimmedOfTheTemplatesNewlines() {
        ParsedOutput out = parse("\n<think>I add 53 and 93.</think>\n146");
        assertEquals("I add 53 and 93.", out.reasoning());
        assertEquals("146", out.content());
        assertTrue(out.toolCalls().isEmpty());
    }

    @Test
    void outputWithoutThinkBlockHasNoReasoning() {
        ParsedOutput out = parse("\n57");
        assertNull(out.reasoning(), "no <think> block means reasoning is absent, not empty");
        assertEquals("57", out.content());
    }

    @Test
    void innerWhitespaceOfContentIsKept() {
        assertEquals("line 1\n\n  line 2", parse("\n\nline 1\n\n  line 2\n\n").content());
    }

    @Test
    void generationThatStartsInsideReasoningEndsItAtCloseTag() {
        ParsedOutput out = GlmOutputParser.parse("still thinking</think>answer", null, true, List.of());
        assertEquals("still thinking", out.reasoning());
        assertEquals("answer", out.content());
    }

    @Test
    void unclosedReasoningAtTheEndStaysReasoning() {
        ParsedOutput out = parse("<think>cut off by max_tokens");
        assertEquals("cut off by max_tokens", out.reasoning());
        assertEquals("", out.content());
    }

    @Test
    void strayCloseThinkTagIsDropped() {
        assertEquals("ab", parse("a</think>b").content());
    }

    @Test
    void stringArgumentsStayTextExactlyAndOthersAreParsedBySchema() {
        ToolCall call = parse("<tool_call>edit\n<arg_key>path</arg_key>\n<arg_value>007</arg_value>\n"
                + "<arg_key>code</arg_key>\n<arg_value>  if x:\n\treturn 1\n</arg_value>\n"
                + "<arg_key>line</arg_key>\n<arg_value>12</arg_value>\n"
                + "<arg_key>ratio</arg_key>\n<arg_value>0.50</arg_value>\n"
                + "<arg_key>force</arg_key>\n<arg_value>true</arg_value>\n"
                + "<arg_key>opts</arg_key>\n<arg_value>{\"a\": [1, 2]}</arg_value>\n"
                + "<arg_key>tags</arg_key>\n<arg_value>[\"x\", \"y\"]</arg_value>\n</tool_call>").toolCalls().getFirst();
        assertEquals("edit", call.name());
        JsonNode expected = json("""
                {"path": "007", "code": "  if x:\\n\\treturn 1\\n", "line": 12, "ratio": 0.50, "force": true,
                 "opts": {"a": [1, 2]}, "tags": ["x", "y"]}""");
        assertTrue(JsonComparison.sameJson(expected, call.arguments()), "expected " + expected + " got " + call.arguments());
        assertEquals("{\"path\":\"007\",\"code\":\"  if x:\\n\\treturn 1\\n\",\"line\":12,\"ratio\":0.50,\"force\":true,"
                + "\"opts\":{\"a\":[1,2]},\"tags\":[\"x\",\"y\"]}", call.argumentsJson());
    }

    @Test
    void valuesThatDoNotParseAsTheirDeclaredTypeStayText() {
        ToolCall call = parse("<tool_call>edit<arg_key>line</arg_key><arg_value>007</arg_value>"
                + "<arg_key>force</arg_key><arg_value>True</arg_value></tool_call>").toolCalls().getFirst();
        assertEquals(json("{\"line\": \"007\", \"force\": \"True\"}"), call.arguments(),
                "leading zeros and Python literals are not strict JSON");
    }

    @Test
    void unionTypesEnumsAndUndeclaredParametersAreTypedByWhatTheyAllow() {
        ToolCall call = parse("<tool_call>edit<arg_key>maybe</arg_key><arg_value>12</arg_value>"
                + "<arg_key>either</arg_key><arg_value>12</arg_value><arg_key>unit</arg_key><arg_value>c</arg_value>"
                + "<arg_key>extra</arg_key><arg_value>[1]</arg_value><arg_key>note</arg_key><arg_value>hi there</arg_value>"
                + "</tool_call>").toolCalls().getFirst();
        assertEquals(json("{\"maybe\": \"12\", \"either\": 12, \"unit\": \"c\", \"extra\": [1], \"note\": \"hi there\"}"),
                call.arguments());
    }

    @Test
    void zeroArgumentCallsParseWithOrWithoutNewline() {
        ParsedOutput out = parse("<tool_call>now</tool_call><tool_call>now\n</tool_call>");
        assertEquals(2, out.toolCalls().size());
        out.toolCalls().forEach(c -> assertEquals(new ToolCall("now", JSON.createObjectNode()), c));
    }

    @Test
    void severalCallsInOneTurnAreNumberedInOrder() {
        GlmOutputParser parser = new GlmOutputParser(TOOLS, false, List.of());
        List<OutputEvent> events = new ArrayList<>(parser.feed("Checking.\n<tool_call>now\n</tool_call>\n"
                + "<tool_call>edit\n<arg_key>line</arg_key>\n<arg_value>3</arg_value>\n</tool_call>"));
        events.addAll(parser.finish());
        List<OutputEvent.ToolCallComplete> calls = events.stream()
                .filter(OutputEvent.ToolCallComplete.class::isInstance).map(OutputEvent.ToolCallComplete.class::cast).toList();
        assertEquals(List.of(0, 1), calls.stream().map(OutputEvent.ToolCallComplete::index).toList());
        assertEquals(List.of("now", "edit"), calls.stream().map(c -> c.call().name()).toList());
        assertEquals("Checking.", ParsedOutput.of(events).content());
    }

    @Test
    void toolCallStartedInsideThinkEndsTheReasoning() {
        ParsedOutput out = parse("<think>I call now.<tool_call>now\n</tool_call>");
        assertEquals("I call now.", out.reasoning());
        assertEquals(List.of("now"), out.toolCalls().stream().map(ToolCall::name).toList());
        assertEquals("", out.content());
    }

    @Test
    void spacesInsteadOfNewlinesStillMakeACall() {
        ToolCall call = parse("<tool_call>edit <arg_key>path</arg_key> <arg_value>backend</arg_value> </tool_call>")
                .toolCalls().getFirst();
        assertEquals(json("{\"path\": \"backend\"}"), call.arguments());
    }

    @Test
    void malformedMarkupFallsBackToTextWithoutThrowing() {
        assertEquals("Use the <tool_call> tag to call tools.", parse("Use the <tool_call> tag to call tools.").content());
        assertEquals("<tool_call>edit\n<arg_key>path</arg_key>\n<arg_value>cut",
                parse("<tool_call>edit\n<arg_key>path</arg_key>\n<arg_value>cut").content(), "unfinished at the end");
        assertEquals("<tool_call></tool_call>", parse("<tool_call></tool_call>").content(), "no name");
        assertEquals("<tool_call>f\n<arg_key>k</arg_key>\n</tool_call>",
                parse("<tool_call>f\n<arg_key>k</arg_key>\n</tool_call>").content(), "key without value");
        ParsedOutput recovered = parse("<tool_call>oops <tool_call>now</tool_call>");
        assertEquals("<tool_call>oops", recovered.content());
        assertEquals(1, recovered.toolCalls().size(), "a valid call after broken markup is still found");
    }

    @Test
    void partialTagsAreHeldBackUntilTheyResolve() {
        GlmOutputParser parser = new GlmOutputParser(TOOLS, false, List.of());
        assertEquals(List.of(new OutputEvent.ContentDelta("Hello")), parser.feed("Hello\n<tool_"));
        List<OutputEvent> rest = new ArrayList<>(parser.feed("call>now\n</tool"));
        assertEquals(List.of(), rest, "nothing is emitted while the call is open");
        rest.addAll(parser.feed("_call>"));
        assertEquals(1, rest.size());
        assertTrue(rest.getFirst() instanceof OutputEvent.ToolCallComplete);
        GlmOutputParser unfinished = new GlmOutputParser(null, false, List.of());
        assertEquals(List.of(), unfinished.feed("<tool"));
        assertEquals(List.of(new OutputEvent.ContentDelta("<tool")), unfinished.finish(), "a tag prefix at the end is text");
    }

    @Test
    void stopStringSpanningPiecesEndsTheOutputAndIsNotEmitted() {
        GlmOutputParser parser = new GlmOutputParser(null, false, List.of("STOP", "END"));
        List<OutputEvent> events = new ArrayList<>(parser.feed("<think>r</think>abc ST"));
        assertFalse(parser.stopped());
        events.addAll(parser.feed("OP def END"));
        assertTrue(parser.stopped());
        assertEquals("STOP", parser.matchedStop());
        assertEquals(List.of(), parser.feed("more"), "pieces after the stop are ignored");
        assertEquals(List.of(), parser.finish());
        ParsedOutput out = ParsedOutput.of(events);
        assertEquals("abc", out.content());
        assertEquals("r", out.reasoning());
    }

    @Test
    void earliestStopStringWins() {
        assertEquals("a", GlmOutputParser.parse("a END b STOP", null, false, List.of("STOP", "END")).content());
        assertEquals("xyST", GlmOutputParser.parse("xyST", null, false, List.of("STOP")).content(),
                "a stop prefix at the end is output after all");
    }
}
