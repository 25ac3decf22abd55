package dev.glint.server.http;

import dev.glint.engine.text.output.ToolCall;

/** A piece of one choice's answer as it is generated, before any protocol gives it a shape. */
sealed interface AnswerEvent {
    /** Text inside GLM's think block. */
    record Reasoning(String text) implements AnswerEvent {
    }

    /** Text of the answer proper. */
    record Text(String text) implements AnswerEvent {
    }

    /** A complete tool call, the {@code index}-th of its choice, with the id the client will answer it under. */
    record ToolCallMade(int index, String id, ToolCall call) implements AnswerEvent {
    }
}
