package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.scheduler.GenerationRequest;
import dev.glint.engine.scheduler.QueueFullException;
import dev.glint.engine.scheduler.Scheduler;
import dev.glint.engine.scheduler.TokenSink;
import dev.glint.engine.text.chat.ChatPrompt;
import dev.glint.engine.text.chat.ChatRequestException;
import dev.glint.engine.text.output.GlmOutputParser;
import dev.glint.engine.text.output.OutputEvent;
import dev.glint.engine.text.output.ToolCall;
import dev.glint.engine.text.tokenizer.StreamingDecoder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One /v1/chat/completions request: the model's chat template turns the messages into token ids, {@code n}
 * sequences go to the scheduler, and each sequence's tokens come back through the GLM output parser as content,
 * reasoning and tool calls — streamed as OpenAI chunks or gathered into one response.
 */
final class ChatCompletion {
    private final ServedModel served;
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final GenerationParams params;
    private final ChatPrompt prompt;
    private final JsonNode tools;
    private final String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    private final long created = System.currentTimeMillis() / 1000;
    private final List<Choice> choices = new ArrayList<>();
    private final List<Scheduler.Ticket> tickets = new ArrayList<>();
    private final Metrics metrics;
    private final long arrived = System.nanoTime();
    private int promptTokens;
    private int finished;

    private ChatCompletion(ServedModel served, Metrics metrics, ChannelHandlerContext ctx, boolean keepAlive, JsonNode body) {
        this.served = served;
        this.metrics = metrics;
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.params = GenerationParams.parse(body, served.defaults());
        String toolChoice = toolChoice(body.get("tool_choice"));
        try {
            this.prompt = served.template().apply(body);
        } catch (ChatRequestException e) {
            throw ApiException.badRequest("messages", e.getMessage());
        }
        this.tools = "none".equals(toolChoice) ? null : body.get("tools");
    }

    static void handle(ServedModel served, Metrics metrics, ChannelHandlerContext ctx, boolean keepAlive, JsonNode body) {
        new ChatCompletion(served, metrics, ctx, keepAlive, body).start();
    }

    /** auto and none are honoured; forcing a call needs constrained decoding, which Glint does not have yet. */
    private static String toolChoice(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return "auto";
        }
        if (choice.isTextual() && (choice.textValue().equals("auto") || choice.textValue().equals("none"))) {
            return choice.textValue();
        }
        throw ApiException.badRequest("tool_choice", "tool_choice " + choice + " is not supported yet; use \"auto\" or \"none\"");
    }

    private void start() {
        int[] ids = served.tokenizer().encode(prompt.text());
        promptTokens = ids.length;
        int maxTokens = served.maxTokens(params.maxTokens(), ids.length);
        if (params.stream()) {
            Responses.startEvents(ctx);
        }
        for (int i = 0; i < params.n(); i++) {
            Choice choice = new Choice(i);
            choices.add(choice);
            if (params.stream()) {
                ObjectNode delta = Responses.JSON.createObjectNode().put("role", "assistant").put("content", "");
                chunk(i, delta, null);
            }
        }
        try {
            for (Choice choice : choices) {
                SamplingParams sampling = params.sampling();
                SamplingParams seeded = new SamplingParams(sampling.temperature(), sampling.topK(), sampling.topP(),
                        sampling.minP(), sampling.seed() + choice.index, sampling.presencePenalty(),
                        sampling.frequencyPenalty(), sampling.repetitionPenalty());
                tickets.add(served.scheduler().submit(new GenerationRequest(ids, maxTokens, seeded, served.stopIds()), choice));
            }
        } catch (RuntimeException e) {
            tickets.forEach(Scheduler.Ticket::cancel);
            throw refusal(e);
        }
        ctx.channel().closeFuture().addListener(closed -> tickets.forEach(Scheduler.Ticket::cancel));
    }

    /** Maps the scheduler's refusals to HTTP: too long is the client's 400, a full queue 429, shutdown 503. */
    static ApiException refusal(RuntimeException e) {
        return switch (e) {
            case ApiException api -> api;
            case QueueFullException full -> new ApiException(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limit_error", null,
                    full.getMessage() + "; retry later");
            case IllegalArgumentException bad -> ApiException.badRequest("messages", bad.getMessage());
            case IllegalStateException closing -> new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "server_error", null, closing.getMessage());
            default -> throw e;
        };
    }

    private void chunk(int index, ObjectNode delta, String finishReason) {
        ObjectNode chunk = envelope("chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        Responses.event(ctx, chunk.toString());
    }

    private ObjectNode envelope(String object) {
        ObjectNode node = Responses.JSON.createObjectNode();
        node.put("id", id);
        node.put("object", object);
        node.put("created", created);
        node.put("model", served.name());
        return node;
    }

    private ObjectNode usage() {
        int completion = choices.stream().mapToInt(c -> c.generated).sum();
        ObjectNode usage = Responses.JSON.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", promptTokens + completion);
        usage.putObject("prompt_tokens_details").put("cached_tokens", 0);
        return usage;
    }

    private void complete() {
        if (++finished < choices.size()) {
            return;
        }
        if (params.stream()) {
            if (params.includeUsage()) {
                ObjectNode last = envelope("chat.completion.chunk");
                last.putArray("choices");
                last.set("usage", usage());
                Responses.event(ctx, last.toString());
            }
            Responses.endEvents(ctx, keepAlive);
            return;
        }
        ObjectNode response = envelope("chat.completion");
        ArrayNode array = response.putArray("choices");
        for (Choice choice : choices) {
            ObjectNode node = array.addObject();
            node.put("index", choice.index);
            ObjectNode message = node.putObject("message");
            message.put("role", "assistant");
            message.put("content", choice.toolCalls.isEmpty() || !choice.content.isEmpty() ? choice.content.toString() : null);
            if (choice.reasoning != null) {
                message.put("reasoning_content", choice.reasoning.toString());
            }
            if (!choice.toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                choice.toolCalls.forEach(call -> calls.add(toolCallJson(call)));
            }
            node.putNull("logprobs");
            node.put("finish_reason", choice.finishReason);
        }
        response.set("usage", usage());
        Responses.json(ctx, HttpResponseStatus.OK, response, keepAlive);
    }

    private static ObjectNode toolCallJson(ToolCall call) {
        ObjectNode node = Responses.JSON.createObjectNode();
        node.put("id", "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24));
        node.put("type", "function");
        node.putObject("function").put("name", call.name()).put("arguments", call.argumentsJson());
        return node;
    }

    /** One sequence of the request, fed by the engine thread. */
    private final class Choice implements TokenSink {
        final int index;
        final StringBuilder content = new StringBuilder();
        StringBuilder reasoning;
        final List<ToolCall> toolCalls = new ArrayList<>();
        final StreamingDecoder text = served.textStream();
        final GlmOutputParser parser = new GlmOutputParser(tools, prompt.startsInReasoning(), params.stop());
        String finishReason;
        int generated;
        boolean failed;
        long lastToken;

        Choice(int index) {
            this.index = index;
        }

        @Override
        public boolean onToken(int token) {
            long now = System.nanoTime();
            if (lastToken == 0) {
                metrics.firstToken(now - arrived);
            } else {
                metrics.nextToken(now - lastToken);
            }
            lastToken = now;
            if (served.stopIds().contains(token)) {
                return true;
            }
            take(parser.feed(text.next(token)));
            return !parser.stopped();
        }

        @Override
        public void onFinish(FinishReason reason, int promptTokens, int generatedTokens) {
            generated = generatedTokens;
            if (reason == FinishReason.CANCELLED) {
                return;
            }
            take(parser.feed(text.flush()));
            take(parser.finish());
            finishReason = !toolCalls.isEmpty() ? "tool_calls" : reason == FinishReason.LENGTH ? "length" : "stop";
            if (params.stream()) {
                chunk(index, Responses.JSON.createObjectNode(), finishReason);
            }
            complete();
        }

        @Override
        public void onError(RuntimeException error) {
            if (failed) {
                return;
            }
            failed = true;
            tickets.forEach(Scheduler.Ticket::cancel);
            ApiException api = new ApiException(HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", null,
                    "generation failed: " + error.getMessage());
            if (params.stream()) {
                Responses.event(ctx, Responses.errorBody(api).toString());
                Responses.endEvents(ctx, false);
            } else {
                Responses.error(ctx, api, false);
            }
        }

        private void take(List<OutputEvent> events) {
            for (OutputEvent event : events) {
                ObjectNode delta = Responses.JSON.createObjectNode();
                switch (event) {
                    case OutputEvent.ContentDelta(String piece) -> {
                        content.append(piece);
                        delta.put("content", piece);
                    }
                    case OutputEvent.ReasoningDelta(String piece) -> {
                        if (reasoning == null) {
                            reasoning = new StringBuilder();
                        }
                        reasoning.append(piece);
                        delta.put("reasoning_content", piece);
                    }
                    case OutputEvent.ToolCallComplete(int callIndex, ToolCall call) -> {
                        toolCalls.add(call);
                        ObjectNode callJson = toolCallJson(call);
                        callJson.put("index", callIndex);
                        delta.putArray("tool_calls").add(callJson);
                    }
                }
                if (params.stream()) {
                    chunk(index, delta, null);
                }
            }
        }
    }
}
