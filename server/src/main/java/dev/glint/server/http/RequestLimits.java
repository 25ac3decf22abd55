package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * What one request may ask of the engine thread and the grammar compiler, beyond what the context length already
 * bounds: each stop string is matched against every generated token, each of {@code n} choices is a sequence, and a
 * schema is compiled into an automaton. Every refusal is a 400 naming the limit and its {@code glint serve} flag.
 *
 * @param maxStops       stop strings in one request ({@code stop}, {@code stop_sequences})
 * @param maxStopChars   characters of one stop string
 * @param maxChoices     {@code n}
 * @param maxMessages    messages (or Responses input items) in one conversation
 * @param maxTools       tools declared in one request
 * @param maxSchemaChars one JSON schema (a response_format's, a tool's parameters) as JSON text
 */
public record RequestLimits(int maxStops, int maxStopChars, int maxChoices, int maxMessages, int maxTools,
                            int maxSchemaChars) {
    public static final RequestLimits DEFAULTS = new RequestLimits(16, 256, 16, 4096, 256, 64 * 1024);

    public RequestLimits {
        if (maxStops < 0 || maxStopChars < 1 || maxChoices < 1 || maxMessages < 1 || maxTools < 0 || maxSchemaChars < 2) {
            throw new IllegalArgumentException("request limits must be positive");
        }
    }

    List<String> checkStops(List<String> stops, String field) {
        if (stops.size() > maxStops) {
            throw ApiException.badRequest(field, "'" + field + "' has " + stops.size() + " strings, more than the "
                    + maxStops + " this server matches (--max-stops)");
        }
        for (int i = 0; i < stops.size(); i++) {
            if (stops.get(i).length() > maxStopChars) {
                throw ApiException.badRequest(field, field + "[" + i + "] has " + stops.get(i).length()
                        + " characters, more than the " + maxStopChars + " this server matches (--max-stop-chars)");
            }
        }
        return stops;
    }

    int checkChoices(int n) {
        if (n > maxChoices) {
            throw ApiException.badRequest("n", "'n' is " + n + ", more than the " + maxChoices
                    + " choices this server generates for one request (--max-choices)");
        }
        return n;
    }

    /** A chat request in OpenAI's shape, as every protocol's conversation becomes one. */
    void checkConversation(JsonNode request) {
        int messages = request.path("messages").size();
        if (messages > maxMessages) {
            throw ApiException.badRequest("messages", "the conversation has " + messages + " messages, more than the "
                    + maxMessages + " this server renders (--max-messages)");
        }
        JsonNode tools = request.path("tools");
        if (tools.size() > maxTools) {
            throw ApiException.badRequest("tools", "the request declares " + tools.size() + " tools, more than the "
                    + maxTools + " this server accepts (--max-tools)");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode parameters = tools.get(i).path("function").path("parameters");
            if (!parameters.isMissingNode()) {
                checkSchema(parameters.toString(), "tools[" + i + "].parameters");
            }
        }
    }

    /** A schema as the JSON text it is compiled and cached by. */
    void checkSchema(String json, String field) {
        int chars = json.length();
        if (chars > maxSchemaChars) {
            throw ApiException.badRequest(field, field + " is a schema of " + chars + " characters of JSON, more than the "
                    + maxSchemaChars + " this server compiles (--max-schema-chars)");
        }
    }
}
