package dev.glint.server.http;

import dev.glint.engine.scheduler.TokenLogprobs;

import java.util.ArrayList;
import java.util.List;

/** One choice's answer so far: what its events added up to, then how it ended. */
final class Answer {
    /** Why a choice ended, in the terms every protocol maps from. */
    enum Finish {
        /** The model ended its turn (an end-of-sequence id). */
        END_TURN,
        /** A stop string of the request matched; {@link #stopSequence()} says which. */
        STOP_SEQUENCE,
        /** max_tokens, or the context, ran out. */
        LENGTH,
        /** The model called tools and waits for their results. */
        TOOL_CALLS
    }

    /** A stretch of the answer in the order it was generated: a run of reasoning, a run of text, or a tool call. */
    sealed interface Part {
        record Reasoning(StringBuilder text) implements Part {
        }

        record Text(StringBuilder text) implements Part {
        }

        record Call(AnswerEvent.ToolCallMade call) implements Part {
        }
    }

    final int index;
    final List<Part> parts = new ArrayList<>();
    private final List<TokenLogprobs> pendingLogprobs = new ArrayList<>();
    private Finish finish;
    private String stopSequence;
    private int generatedTokens;

    Answer(int index) {
        this.index = index;
    }

    void record(AnswerEvent event) {
        Part last = parts.isEmpty() ? null : parts.getLast();
        switch (event) {
            case AnswerEvent.Text(String piece) -> {
                if (last instanceof Part.Text(StringBuilder run)) {
                    run.append(piece);
                } else {
                    parts.add(new Part.Text(new StringBuilder(piece)));
                }
            }
            case AnswerEvent.Reasoning(String piece) -> {
                if (last instanceof Part.Reasoning(StringBuilder run)) {
                    run.append(piece);
                } else {
                    parts.add(new Part.Reasoning(new StringBuilder(piece)));
                }
            }
            case AnswerEvent.ToolCallMade call -> parts.add(new Part.Call(call));
        }
    }

    void finished(Finish finish, String stopSequence, int generatedTokens) {
        this.finish = toolCalls().isEmpty() ? finish : Finish.TOOL_CALLS;
        this.stopSequence = stopSequence;
        this.generatedTokens = generatedTokens;
    }

    void addLogprobs(TokenLogprobs token) {
        pendingLogprobs.add(token);
    }

    /** The log-probabilities of tokens not yet rendered, which the caller now owns. */
    List<TokenLogprobs> takeLogprobs() {
        List<TokenLogprobs> taken = List.copyOf(pendingLogprobs);
        pendingLogprobs.clear();
        return taken;
    }

    /** The text of the answer proper, all its runs together. */
    String text() {
        StringBuilder text = new StringBuilder();
        parts.forEach(part -> {
            if (part instanceof Part.Text(StringBuilder run)) {
                text.append(run);
            }
        });
        return text.toString();
    }

    /** The reasoning, all its runs together, or null when the answer had no think block content. */
    String reasoning() {
        StringBuilder reasoning = null;
        for (Part part : parts) {
            if (part instanceof Part.Reasoning(StringBuilder run)) {
                reasoning = (reasoning == null ? new StringBuilder() : reasoning).append(run);
            }
        }
        return reasoning == null ? null : reasoning.toString();
    }

    List<AnswerEvent.ToolCallMade> toolCalls() {
        return parts.stream().<AnswerEvent.ToolCallMade>mapMulti((part, calls) -> {
            if (part instanceof Part.Call(AnswerEvent.ToolCallMade call)) {
                calls.accept(call);
            }
        }).toList();
    }

    Finish finish() {
        return finish;
    }

    String stopSequence() {
        return stopSequence;
    }

    int generatedTokens() {
        return generatedTokens;
    }
}
