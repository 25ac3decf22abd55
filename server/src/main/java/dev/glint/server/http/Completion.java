package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.scheduler.GenerationRequest;
import dev.glint.engine.scheduler.QueueFullException;
import dev.glint.engine.scheduler.Scheduler;
import dev.glint.engine.scheduler.TokenLogprobs;
import dev.glint.engine.scheduler.TokenSink;
import dev.glint.engine.text.chat.ChatPrompt;
import dev.glint.engine.text.chat.ChatRequestException;
import dev.glint.engine.text.output.GlmOutputParser;
import dev.glint.engine.text.output.OutputEvent;
import dev.glint.engine.text.output.StopMatcher;
import dev.glint.engine.text.output.ToolCall;
import dev.glint.engine.text.tokenizer.StreamingDecoder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One /v1/chat/completions or /v1/completions request: the prompt becomes token ids (through the model's chat
 * template for chat), {@code n} sequences go to the scheduler, and each sequence's text comes back — for chat through
 * the GLM output parser as content, reasoning and tool calls, for completions as raw text up to a stop string —
 * streamed as OpenAI chunks or gathered into one response.
 */
final class Completion {
    private final ServedModel served;
    private final Metrics metrics;
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final boolean chat;
    private final GenerationParams params;
    private final int[] promptIds;
    private final boolean startsInReasoning;
    private final JsonNode tools;
    /** Text put in the assistant's mouth before it generates: the opening of a call that tool_choice forces. */
    private final String forced;
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;
    private final long arrived = System.nanoTime();
    private final List<Choice> choices = new ArrayList<>();
    private final List<Scheduler.Ticket> tickets = new ArrayList<>();
    private int finished;
    private boolean failedAny;

    private Completion(ServedModel served, Metrics metrics, ChannelHandlerContext ctx, boolean keepAlive, JsonNode body,
                       boolean chat) {
        this.served = served;
        this.metrics = metrics;
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.chat = chat;
        // OpenAI's legacy completions default to 16 tokens; chat defaults to what the context leaves.
        this.params = GenerationParams.parse(body, chat ? served.defaults() : served.defaults().withMaxTokens(16), chat);
        this.id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        if (chat) {
            ChatPrompt prompt;
            try {
                prompt = served.template().apply(body);
            } catch (ChatRequestException e) {
                throw ApiException.badRequest("messages", e.getMessage());
            }
            JsonNode choice = body.get("tool_choice");
            this.tools = choice != null && choice.isTextual() && choice.textValue().equals("none") ? null : body.get("tools");
            this.forced = forcedCall(choice, body.get("tools"), prompt.text());
            this.promptIds = served.tokenizer().encode(prompt.text() + forced);
            this.startsInReasoning = prompt.startsInReasoning();
        } else {
            this.promptIds = rawPrompt(body, served);
            this.startsInReasoning = false;
            this.tools = null;
            this.forced = "";
        }
    }

    static void chat(ServedModel served, Metrics metrics, ChannelHandlerContext ctx, boolean keepAlive, JsonNode body) {
        new Completion(served, metrics, ctx, keepAlive, body, true).start();
    }

    static void text(ServedModel served, Metrics metrics, ChannelHandlerContext ctx, boolean keepAlive, JsonNode body) {
        new Completion(served, metrics, ctx, keepAlive, body, false).start();
    }

    /**
     * tool_choice: "auto" and "none" leave the model free; "required" and a named function open the call for it —
     * GLM writes {@code <tool_call>name} after its (here empty) think block — so the model only fills in the
     * name or the arguments.
     */
    private static String forcedCall(JsonNode choice, JsonNode tools, String prompt) {
        if (choice == null || choice.isNull() || choice.isTextual() && (choice.textValue().equals("auto") || choice.textValue().equals("none"))) {
            return "";
        }
        String name;
        if (choice.isTextual() && choice.textValue().equals("required")) {
            name = "";
        } else if (choice.isObject() && choice.path("function").path("name").isTextual()) {
            name = choice.path("function").path("name").textValue();
        } else {
            throw ApiException.badRequest("tool_choice", "tool_choice must be \"auto\", \"none\", \"required\" or "
                    + "{\"type\": \"function\", \"function\": {\"name\": ...}}, not " + choice);
        }
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            throw ApiException.badRequest("tool_choice", "tool_choice " + choice + " needs 'tools'");
        }
        boolean declared = false;
        for (JsonNode tool : tools) {
            declared |= tool.path("function").path("name").asText().equals(name);
        }
        if (!name.isEmpty() && !declared) {
            throw ApiException.badRequest("tool_choice", "tool_choice names '" + name + "', which is not among the tools");
        }
        String think = prompt.endsWith("</think>") ? "" : "\n<think></think>";
        return think + "\n<tool_call>" + (name.isEmpty() ? "" : name + "\n");
    }

    /** /v1/completions takes the prompt as text or as token ids; echo and suffix are not supported. */
    private static int[] rawPrompt(JsonNode body, ServedModel served) {
        RequestFields f = new RequestFields(body);
        if (f.bool("echo", false) || f.has("suffix")) {
            throw ApiException.badRequest(f.has("suffix") ? "suffix" : "echo", "echo and suffix are not supported");
        }
        JsonNode prompt = body.get("prompt");
        if (prompt != null && prompt.isTextual() && !prompt.textValue().isEmpty()) {
            return served.tokenizer().encode(prompt.textValue());
        }
        if (prompt != null && prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isIntegralNumber()) {
            int[] ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode token = prompt.get(i);
                if (!token.isIntegralNumber() || token.intValue() < 0 || token.intValue() >= served.tokenizer().vocabSize()) {
                    throw ApiException.badRequest("prompt", "prompt[" + i + "] = " + token + " is not a token id of this model");
                }
                ids[i] = token.intValue();
            }
            return ids;
        }
        throw ApiException.badRequest("prompt", "'prompt' must be a non-empty string or a list of token ids");
    }

    /**
     * Submits every choice first, so a refusal can still be a plain error response; only then does the stream
     * start. This runs on the connection's event loop, so its writes precede the engine thread's, which Netty queues
     * behind them.
     */
    private void start() {
        int maxTokens = served.maxTokens(params.maxTokens(), promptIds.length);
        for (int i = 0; i < params.n(); i++) {
            Choice choice = new Choice(i);
            choice.opening = choice.take(choice.output.feed(forced));
            choices.add(choice);
        }
        try {
            for (Choice choice : choices) {
                SamplingParams sampling = params.sampling();
                SamplingParams seeded = new SamplingParams(sampling.temperature(), sampling.topK(), sampling.topP(),
                        sampling.minP(), sampling.seed() + choice.index, sampling.presencePenalty(),
                        sampling.frequencyPenalty(), sampling.repetitionPenalty());
                tickets.add(served.scheduler().submit(
                        new GenerationRequest(promptIds, maxTokens, seeded, served.stopIds(), params.logprobs()), choice));
            }
        } catch (RuntimeException e) {
            tickets.forEach(Scheduler.Ticket::cancel);
            throw refusal(e);
        }
        ctx.channel().closeFuture().addListener(closed -> tickets.forEach(Scheduler.Ticket::cancel));
        if (params.stream()) {
            Responses.startEvents(ctx);
            for (Choice choice : choices) {
                if (chat) {
                    chunk(choice.index, Responses.JSON.createObjectNode().put("role", "assistant").put("content", ""), null);
                }
                choice.opening.forEach(delta -> chunk(choice.index, delta, null));
            }
        }
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

    /** A streamed piece of one choice: a chat delta, or for completions the delta's text, with new logprobs. */
    private void chunk(int index, ObjectNode delta, String finishReason) {
        chunk(index, delta, finishReason, null);
    }

    private void chunk(int index, ObjectNode delta, String finishReason, Logprobs logprobs) {
        ObjectNode chunk = envelope(chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        if (chat) {
            choice.set("delta", delta);
        } else {
            choice.put("text", delta.path("content").asText(""));
        }
        choice.set("logprobs", logprobs == null ? null : logprobs.drain());
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
        usage.put("prompt_tokens", promptIds.length);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", promptIds.length + completion);
        // The choices share one prompt, reported once, with the first choice's reuse.
        usage.putObject("prompt_tokens_details").put("cached_tokens", choices.getFirst().cachedTokens);
        return usage;
    }

    private void complete() {
        if (++finished < choices.size()) {
            return;
        }
        if (params.stream()) {
            if (params.includeUsage()) {
                ObjectNode last = envelope(chat ? "chat.completion.chunk" : "text_completion");
                last.putArray("choices");
                last.set("usage", usage());
                Responses.event(ctx, last.toString());
            }
            Responses.endEvents(ctx, keepAlive);
            return;
        }
        ObjectNode response = envelope(chat ? "chat.completion" : "text_completion");
        ArrayNode array = response.putArray("choices");
        for (Choice choice : choices) {
            ObjectNode node = array.addObject();
            node.put("index", choice.index);
            if (chat) {
                node.set("message", choice.message());
            } else {
                node.put("text", choice.content.toString());
            }
            node.set("logprobs", choice.logprobs == null ? null : choice.logprobs.drain());
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
        final Output output = chat ? new ChatOutput(new GlmOutputParser(tools, startsInReasoning, params.stop()))
                : new TextOutput(new StopMatcher(params.stop()));
        final Logprobs logprobs = params.logprobs() < 0 ? null : new Logprobs(served.tokenizer(), chat);
        List<ObjectNode> opening;
        String finishReason;
        int generated;
        int cachedTokens;
        long lastToken;

        Choice(int index) {
            this.index = index;
        }

        @Override
        public boolean onToken(int token, TokenLogprobs tokenLogprobs) {
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
            if (logprobs != null) {
                logprobs.add(tokenLogprobs);
            }
            emit(take(output.feed(text.next(token))));
            return !output.stopped();
        }

        @Override
        public void onFinish(FinishReason reason, Usage usage) {
            generated = usage.generatedTokens();
            cachedTokens = usage.cachedTokens();
            if (reason == FinishReason.CANCELLED) {
                if (ctx.channel().isActive()) {
                    fail(new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "server_error", null,
                            "the server shut down before this request finished"));
                }
                return;
            }
            emit(take(output.feed(text.flush())));
            emit(take(output.finish()));
            finishReason = !toolCalls.isEmpty() ? "tool_calls" : reason == FinishReason.LENGTH ? "length" : "stop";
            if (params.stream()) {
                chunk(index, Responses.JSON.createObjectNode(), finishReason, logprobs);
            }
            complete();
        }

        @Override
        public void onError(RuntimeException error) {
            fail(new ApiException(HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", null,
                    "generation failed: " + error.getMessage()));
        }

        /** Ends the whole response with an error, once, whichever choice fails first. */
        private void fail(ApiException api) {
            if (failedAny) {
                return;
            }
            failedAny = true;
            tickets.forEach(Scheduler.Ticket::cancel);
            if (params.stream()) {
                Responses.event(ctx, Responses.errorBody(api).toString());
                Responses.endEvents(ctx, false);
            } else {
                Responses.error(ctx, api, false);
            }
        }

        ObjectNode message() {
            ObjectNode message = Responses.JSON.createObjectNode();
            message.put("role", "assistant");
            message.put("content", toolCalls.isEmpty() || !content.isEmpty() ? content.toString() : null);
            if (reasoning != null) {
                message.put("reasoning_content", reasoning.toString());
            }
            if (!toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                toolCalls.forEach(call -> calls.add(toolCallJson(call)));
            }
            return message;
        }

        /** Records the events in this choice's answer and returns them as chat deltas. */
        private List<ObjectNode> take(List<OutputEvent> events) {
            List<ObjectNode> deltas = new ArrayList<>();
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
                deltas.add(delta);
            }
            return deltas;
        }

        private void emit(List<ObjectNode> deltas) {
            if (params.stream()) {
                deltas.forEach(delta -> chunk(index, delta, null, logprobs));
            }
        }
    }

    /** How a choice's text becomes output events: GLM's parser for chat, stop strings only for completions. */
    private sealed interface Output permits ChatOutput, TextOutput {
        List<OutputEvent> feed(String piece);

        List<OutputEvent> finish();

        boolean stopped();
    }

    private record ChatOutput(GlmOutputParser parser) implements Output {
        @Override
        public List<OutputEvent> feed(String piece) {
            return parser.feed(piece);
        }

        @Override
        public List<OutputEvent> finish() {
            return parser.finish();
        }

        @Override
        public boolean stopped() {
            return parser.stopped();
        }
    }

    private record TextOutput(StopMatcher stops) implements Output {
        @Override
        public List<OutputEvent> feed(String piece) {
            return content(stops.accept(piece));
        }

        @Override
        public List<OutputEvent> finish() {
            return stops.matched() == null ? content(stops.flush()) : List.of();
        }

        @Override
        public boolean stopped() {
            return stops.matched() != null;
        }

        private static List<OutputEvent> content(String text) {
            return text.isEmpty() ? List.of() : List.of(new OutputEvent.ContentDelta(text));
        }
    }
}
