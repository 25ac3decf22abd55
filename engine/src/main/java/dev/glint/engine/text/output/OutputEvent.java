package dev.glint.engine.text.output;

/**
 * What the parser makes of generated text, in order. Deltas map one-to-one onto OpenAI streaming deltas
 * ({@code delta.reasoning_content}, {@code delta.content}); a tool call is reported once, complete.
 */
public sealed interface OutputEvent {
    /** More reasoning text (never empty). */
    record ReasoningDelta(String text) implements OutputEvent { }

    /** More answer text (never empty). */
    record ContentDelta(String text) implements OutputEvent { }

    /** A finished tool call; {@code index} counts the calls of this output from 0, as OpenAI deltas do. */
    record ToolCallComplete(int index, ToolCall call) implements OutputEvent { }
}
