package dev.glint.engine.text.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Property: however an output is cut into pieces, feeding the pieces gives the same events (adjacent deltas of
 * one kind merged) as parsing it whole. Outputs are drawn from the GLM output grammar plus near-miss garbage.
 */
class StreamingParityTest {
    private static final JsonNode TOOLS = tools();
    private static final String[] WORDS = {"hello", "world", "42", "007", " ", "  ", "\n", "\n\n", "\t", "Zürich", "東京",
        "😀", "<", ">", "</", "a<b", "x > y", "think", "tool_call", "{\"k\": 1}", "[1, 2]", "true", "<|user|>"};
    private static final String[] GARBAGE = {"<tool_", "<thi", "</think", "</thin", "<arg_key>", "</arg_value>",
        "</tool_call>", "<tool_call>", "<tool_call> not a call", "<tool_call>f\n<arg_key>k</arg_key>oops",
        "<tool_call>\n</tool_call>", "<tool_call>f <arg_key></arg_key><arg_value>v</arg_value></tool_call>",
        "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Oslo", "<think>", "</think>", "STO", "ST"};
    private static final List<String> STOPS = List.of("STOP", "<|end|>");

    @Test
    void streamedEventsEqualOneShotEventsForEveryChunking() {
        for (int seed = 0; seed < 250; seed++) {
            Random random = new Random(seed);
            String output = output(random);
            boolean startsInReasoning = random.nextInt(4) == 0;
            List<String> stops = random.nextBoolean() ? STOPS : List.of();
            String label = "seed " + seed + ", output " + new ObjectMapper().valueToTree(output)
                    + ", startsInReasoning " + startsInReasoning + ", stops " + stops;
            List<OutputEvent> whole = run(List.of(output), startsInReasoning, stops);
            assertEquals(whole, run(characters(output), startsInReasoning, stops), label + ", one char at a time");
            for (int cut = 1; cut < output.length(); cut++) {
                List<String> halves = List.of(output.substring(0, cut), output.substring(cut));
                assertEquals(whole, run(halves, startsInReasoning, stops), label + ", cut at " + cut);
            }
            for (int trial = 0; trial < 5; trial++) {
                List<String> pieces = randomPieces(output, random);
                assertEquals(whole, run(pieces, startsInReasoning, stops), label + ", pieces " + pieces);
            }
        }
    }

    @Test
    void everySplitIntoThreePiecesOfTrickyOutputsAgrees() {
        List<String> outputs = List.of("<think>a</think>b", "x<tool_call>f</tool_call>y", "<tool_call>f\n<arg_key>k"
                + "</arg_key>\n<arg_value>v</arg_value>\n</tool_call>", "<tool_c>", "a STOP b", "<think>r<tool_call>g</tool_call>",
                "<tool_call>f <arg_key>n</arg_key> <arg_value> 7 </arg_value> </tool_call> done");
        for (String output : outputs) {
            List<OutputEvent> whole = run(List.of(output), false, STOPS);
            for (int first = 0; first <= output.length(); first++) {
                for (int second = first; second <= output.length(); second++) {
                    List<String> pieces = List.of(output.substring(0, first), output.substring(first, second),
                            output.substring(second));
                    assertEquals(whole, run(pieces, false, STOPS), "output " + output + ", pieces " + pieces);
                }
            }
        }
    }

    private static List<OutputEvent> run(List<String> pieces, boolean startsInReasoning, List<String> stops) {
        GlmOutputParser parser = new GlmOutputParser(TOOLS, startsInReasoning, stops);
        List<OutputEvent> events = new ArrayList<>();
        for (String piece : pieces) {
            events.addAll(parser.feed(piece));
        }
        events.addAll(parser.finish());
        return merged(events);
    }

    /** Adjacent deltas of one kind joined: chunking may split a delta, never reorder or change it. */
    private static List<OutputEvent> merged(List<OutputEvent> events) {
        List<OutputEvent> out = new ArrayList<>();
        for (OutputEvent event : events) {
            OutputEvent last = out.isEmpty() ? null : out.getLast();
            if (last instanceof OutputEvent.ContentDelta a && event instanceof OutputEvent.ContentDelta b) {
                out.set(out.size() - 1, new OutputEvent.ContentDelta(a.text() + b.text()));
            } else if (last instanceof OutputEvent.ReasoningDelta a && event instanceof OutputEvent.ReasoningDelta b) {
                out.set(out.size() - 1, new OutputEvent.ReasoningDelta(a.text() + b.text()));
            } else {
                out.add(event);
            }
        }
        return out;
    }

    private static String output(Random random) {
        StringBuilder out = new StringBuilder();
        int parts = 1 + random.nextInt(8);
        for (int i = 0; i < parts; i++) {
            switch (random.nextInt(6)) {
                case 0 -> out.append("<think>").append(text(random)).append(random.nextInt(5) == 0 ? "" : "</think>");
                case 1, 2 -> out.append(toolCall(random));
                case 3 -> out.append(GARBAGE[random.nextInt(GARBAGE.length)]);
                default -> out.append(text(random));
            }
            if (random.nextInt(10) == 0) {
                out.append(random.nextBoolean() ? "STOP" : "<|end|>");
            }
        }
        return out.toString();
    }

    private static String text(Random random) {
        StringBuilder out = new StringBuilder();
        for (int i = random.nextInt(5); i >= 0; i--) {
            out.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return out.toString();
    }

    private static String toolCall(Random random) {
        String sep = random.nextInt(4) == 0 ? " " : "\n";
        StringBuilder call = new StringBuilder("\n<tool_call>").append(random.nextBoolean() ? "get_weather" : "search");
        int arguments = random.nextInt(4);
        if (arguments > 0 || random.nextBoolean()) {
            call.append(sep);
        }
        String[] keys = {"city", "days", "filters", "query", "extra"};
        for (int i = 0; i < arguments; i++) {
            call.append("<arg_key>").append(keys[random.nextInt(keys.length)]).append("</arg_key>").append(sep)
                    .append("<arg_value>").append(text(random).replace("</arg_value>", "")).append("</arg_value>").append(sep);
        }
        return call.append("</tool_call>").toString();
    }

    private static List<String> characters(String s) {
        List<String> out = new ArrayList<>();
        s.codePoints().forEach(cp -> out.add(Character.toString(cp)));
        return out;
    }

    private static List<String> randomPieces(String s, Random random) {
        List<String> pieces = new ArrayList<>();
        int at = 0;
        while (at < s.length()) {
            int end = Math.min(s.length(), at + 1 + random.nextInt(12));
            if (end < s.length() && Character.isLowSurrogate(s.charAt(end))) {
                end++;
            }
            pieces.add(s.substring(at, end));
            at = end;
        }
        return pieces;
    }

    private static JsonNode tools() {
        try {
            return new ObjectMapper().readTree("""
                    [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
                      "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}}},
                     {"type": "function", "function": {"name": "search", "parameters": {"type": "object",
                      "properties": {"query": {"type": "string"}, "filters": {"type": "object"}}}}}]
                    """);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
