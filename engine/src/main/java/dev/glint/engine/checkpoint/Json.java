package dev.glint.engine.checkpoint;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Locale;

final class Json {

    /** Refuses duplicate keys and trailing content, which a lenient parser would silently accept. */
    static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /** Jackson's own message without its source dump, plus where in the text it went wrong. */
    static String problem(JsonProcessingException e) {
        JsonLocation where = e.getLocation();
        String message = e.getOriginalMessage().lines().findFirst().orElse("");
        return where == null || where.getLineNr() < 0
                ? message
                : message + " at line " + where.getLineNr() + ", column " + where.getColumnNr();
    }

    /** How a node reads in an error message: its JSON type, and the value itself when short. */
    static String describe(JsonNode node) {
        if (node.isNull()) {
            return "null";
        }
        String type = node.getNodeType().name().toLowerCase(Locale.ROOT);
        String text = node.toString();
        return text.length() <= 40 ? type + " " + text : type;
    }
}
