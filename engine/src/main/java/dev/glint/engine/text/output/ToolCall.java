package dev.glint.engine.text.output;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One parsed tool call.
 *
 * @param name      the function name as the model wrote it, trimmed
 * @param arguments the arguments in the order the model wrote them, typed by the tool's JSON schema
 */
public record ToolCall(String name, ObjectNode arguments) {
    /** The arguments as OpenAI's {@code function.arguments} string: compact JSON, non-ASCII kept. */
    public String argumentsJson() {
        return arguments.toString();
    }
}
