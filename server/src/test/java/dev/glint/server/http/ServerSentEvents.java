package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stream of named events, as Anthropic and the Responses API send them. */
final class ServerSentEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServerSentEvents() {
    }

    /** The events as (name, data) pairs, checking that each has one event line and one data line naming the event. */
    static List<Map.Entry<String, JsonNode>> parse(String stream) throws IOException {
        List<Map.Entry<String, JsonNode>> events = new ArrayList<>();
        for (String block : stream.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String[] lines = block.split("\n");
            assertEquals(2, lines.length, "one event line and one data line: " + block);
            assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), block);
            String name = lines[0].substring(7);
            JsonNode data = JSON.readTree(lines[1].substring(6));
            assertEquals(name, data.path("type").asText(), block);
            events.add(Map.entry(name, data));
        }
        return events;
    }
}
