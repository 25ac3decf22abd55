package dev.glint.engine.text.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits GLM-4.5/4.6 output text into reasoning, answer and tool calls as it is generated. One instance per
 * output; the streaming and the non-streaming paths both feed it, so they cannot disagree.
 *
 * <ul>
 *   <li>{@code <think>}…{@code </think>} is reasoning; an unclosed block at the end stays reasoning, a stray
 *       {@code </think>} is dropped.</li>
 *   <li>{@code <tool_call>name <arg_key>k</arg_key> <arg_value>v</arg_value>…</tool_call>} is a tool call with
 *       schema-typed arguments. A {@code <tool_call>} inside reasoning ends the reasoning (the model forgot its
 *       {@code </think>}), as SGLang's glm45 parser does. Markup that is not a valid call is kept as text.</li>
 *   <li>Content and reasoning are trimmed of surrounding whitespace, undoing the newlines the template puts
 *       around them.</li>
 *   <li>Text that may still become a tag or a stop string is held back, never emitted and then retracted.</li>
 *   <li>The earliest user stop string ends the output; it and everything after it are dropped.</li>
 * </ul>
 */
public final class GlmOutputParser {
    private static final String THINK = "<think>";
    private static final String THINK_END = "</think>";
    private static final List<String> TAGS = List.of(THINK, THINK_END, ToolCallSyntax.OPEN);

    private enum Mode { CONTENT, REASONING, TOOL_CALL }

    private final ToolArgumentTypes argumentTypes;
    private final StopMatcher stops;
    private final TrimmedChannel content = new TrimmedChannel();
    private final TrimmedChannel reasoning = new TrimmedChannel();
    private final StringBuilder pending = new StringBuilder();
    private final List<OutputEvent> events = new ArrayList<>();
    private Mode mode;
    private Mode modeBeforeToolCall;
    private int toolCalls;
    private boolean finished;

    /**
     * @param tools             the request's {@code tools} (OpenAI shape), or null; their schemas type arguments
     * @param startsInReasoning whether the prompt left a {@code <think>} block open for the model to continue
     * @param stopStrings       the request's stop strings
     */
    public GlmOutputParser(JsonNode tools, boolean startsInReasoning, List<String> stopStrings) {
        this.argumentTypes = new ToolArgumentTypes(tools);
        this.stops = new StopMatcher(stopStrings);
        this.mode = startsInReasoning ? Mode.REASONING : Mode.CONTENT;
    }

    /** Parses a whole output at once, exactly as feeding it in pieces would. */
    public static ParsedOutput parse(String text, JsonNode tools, boolean startsInReasoning, List<String> stopStrings) {
        GlmOutputParser parser = new GlmOutputParser(tools, startsInReasoning, stopStrings);
        List<OutputEvent> all = new ArrayList<>(parser.feed(text));
        all.addAll(parser.finish());
        return ParsedOutput.of(all);
    }

    /**
     * Takes the next decoded piece of output and returns what it completes. When a stop string is reached the
     * output is finished at once: {@link #stopped()} turns true and later pieces are ignored.
     */
    public List<OutputEvent> feed(String piece) {
        if (finished) {
            return List.of();
        }
        pending.append(stops.accept(piece));
        if (stops.matched() != null) {
            return finish();
        }
        drain(false);
        return take();
    }

    /** Ends the output: held-back text is resolved and an unfinished tool call falls back to text. */
    public List<OutputEvent> finish() {
        if (finished) {
            return List.of();
        }
        finished = true;
        pending.append(stops.flush());
        drain(true);
        return take();
    }

    /** Whether a stop string ended the output. */
    public boolean stopped() {
        return stops.matched() != null;
    }

    /** The stop string that ended the output, or null. */
    public String matchedStop() {
        return stops.matched();
    }

    private List<OutputEvent> take() {
        List<OutputEvent> out = List.copyOf(events);
        events.clear();
        return out;
    }

    private void drain(boolean atEnd) {
        while (!pending.isEmpty()) {
            if (mode == Mode.TOOL_CALL) {
                if (!toolCall(atEnd)) {
                    return;
                }
                continue;
            }
            String text = pending.toString();
            int tagAt = -1;
            String tag = null;
            for (String candidate : TAGS) {
                int at = text.indexOf(candidate);
                if (at >= 0 && (tagAt < 0 || at < tagAt)) {
                    tagAt = at;
                    tag = candidate;
                }
            }
            if (tag == null) {
                int keep = atEnd ? 0 : heldTagPrefix(text);
                emit(mode, text.substring(0, text.length() - keep));
                pending.delete(0, text.length() - keep);
                return;
            }
            emit(mode, text.substring(0, tagAt));
            pending.delete(0, tagAt + tag.length());
            switch (tag) {
                case THINK -> mode = Mode.REASONING;
                case THINK_END -> mode = Mode.CONTENT;
                default -> {
                    modeBeforeToolCall = mode;
                    mode = Mode.TOOL_CALL;
                }
            }
        }
    }

    /** Resolves a tool call whose {@code <tool_call>} was consumed; false when more text is needed. */
    private boolean toolCall(boolean atEnd) {
        ToolCallSyntax.Scan scan = ToolCallSyntax.scan(pending.toString());
        if (scan instanceof ToolCallSyntax.Complete call) {
            events.add(new OutputEvent.ToolCallComplete(toolCalls++, toolCall(call)));
            pending.delete(0, call.length());
            mode = Mode.CONTENT;
            return true;
        }
        if (scan instanceof ToolCallSyntax.Incomplete && !atEnd) {
            return false;
        }
        mode = modeBeforeToolCall;
        emit(mode, ToolCallSyntax.OPEN);
        return true;
    }

    private ToolCall toolCall(ToolCallSyntax.Complete call) {
        ObjectNode arguments = JsonNodeFactory.instance.objectNode();
        for (ToolCallSyntax.RawArgument argument : call.arguments()) {
            arguments.set(argument.key(), argumentTypes.value(call.name(), argument.key(), argument.value()));
        }
        return new ToolCall(call.name(), arguments);
    }

    private void emit(Mode channel, String text) {
        if (text.isEmpty()) {
            return;
        }
        if (channel == Mode.REASONING) {
            String delta = reasoning.accept(text);
            if (!delta.isEmpty()) {
                events.add(new OutputEvent.ReasoningDelta(delta));
            }
        } else {
            String delta = content.accept(text);
            if (!delta.isEmpty()) {
                events.add(new OutputEvent.ContentDelta(delta));
            }
        }
    }

    /** The length of the longest end of {@code text} that could still grow into a tag. */
    private static int heldTagPrefix(String text) {
        int longest = 0;
        for (String tag : TAGS) {
            for (int n = Math.min(tag.length() - 1, text.length()); n > longest; n--) {
                if (text.regionMatches(text.length() - n, tag, 0, n)) {
                    longest = n;
                    break;
                }
            }
        }
        return longest;
    }
}
