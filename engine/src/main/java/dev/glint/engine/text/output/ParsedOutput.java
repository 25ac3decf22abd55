package dev.glint.engine.text.output;

import java.util.ArrayList;
import java.util.List;

/**
 * A whole output as a non-streaming response carries it.
 *
 * @param content   the answer text, "" when there is none
 * @param reasoning the reasoning text, or null when the output had none
 * @param toolCalls the tool calls in the order they were made
 */
public record ParsedOutput(String content, String reasoning, List<ToolCall> toolCalls) {
    public ParsedOutput {
        toolCalls = List.copyOf(toolCalls);
    }

    /** Accumulates streamed events, which is how the non-streaming path builds its response too. */
    public static ParsedOutput of(List<OutputEvent> events) {
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = null;
        List<ToolCall> calls = new ArrayList<>();
        for (OutputEvent event : events) {
            switch (event) {
                case OutputEvent.ContentDelta d -> content.append(d.text());
                case OutputEvent.ReasoningDelta d -> {
                    if (reasoning == null) {
                        reasoning = new StringBuilder();
                    }
                    reasoning.append(d.text());
                }
                case OutputEvent.ToolCallComplete c -> calls.add(c.call());
            }
        }
        return new ParsedOutput(content.toString(), reasoning == null ? null : reasoning.toString(), calls);
    }
}
