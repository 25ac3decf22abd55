package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.scheduler.TokenSink.Usage;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Anthropic's {@code POST /v1/messages} and {@code /v1/messages/count_tokens}, as Claude Code and the Anthropic SDKs
 * speak them: the conversation is translated by {@link AnthropicConversation}; the answer comes back as content
 * blocks ({@code thinking}, {@code text}, {@code tool_use}) with a {@code stop_reason}, or streamed as Anthropic's
 * named events. Fields that change nothing here ({@code metadata}, {@code cache_control}, {@code context_management},
 * {@code output_config}, the beta headers) are accepted; the prefix cache is automatic.
 */
final class AnthropicMessages implements WireProtocol {
    /** Read, or accepted because they change nothing here (Claude Code sends the last four). */
    private static final Set<String> FIELDS = Set.of("model", "messages", "system", "max_tokens", "temperature", "top_p",
            "top_k", "stop_sequences", "stream", "tools", "tool_choice", "thinking", "metadata", "context_management",
            "output_config", "service_tier");

    private final ServedModel served;
    private final Metrics metrics;

    AnthropicMessages(ServedModel served, Metrics metrics) {
        this.served = served;
        this.metrics = metrics;
    }

    @Override
    public Set<String> fields() {
        return FIELDS;
    }

    @Override
    public boolean answers(String path) {
        return path.equals("/v1/messages") || path.equals("/v1/messages/count_tokens");
    }

    @Override
    public void serve(String path, Exchange exchange, JsonNode body) {
        if (!body.path("model").isTextual()) {
            throw ApiException.badRequest("model", "'model' is required");
        }
        ObjectNode chat = AnthropicConversation.toChat(body);
        if (path.endsWith("/count_tokens")) {
            int tokens = served.tokenizer().encode(GenerationJob.prompt(served, chat).text()).length;
            exchange.json(HttpResponseStatus.OK, Exchange.JSON.createObjectNode().put("input_tokens", tokens));
            return;
        }
        GenerationParams params = params(body);
        // Claude Code asks for 32K output tokens and more: cut to what the context leaves, as llama-server does.
        GenerationJob job = GenerationJob.chat(served, chat, params, true);
        Generation.start(served, metrics, exchange, job, new Renderer(exchange, params.stream(), job.promptIds().length));
    }

    private GenerationParams params(JsonNode body) {
        RequestFields f = new RequestFields(body);
        if (!f.has("max_tokens")) {
            throw ApiException.badRequest("max_tokens", "'max_tokens' is required");
        }
        int maxTokens = f.integer("max_tokens", 0, 1, Integer.MAX_VALUE);
        SamplingParams sampling;
        try {
            sampling = new SamplingParams(f.number("temperature", served.defaults().temperature(), 0, 1),
                    f.integer("top_k", 0, 0, Integer.MAX_VALUE), f.number("top_p", served.defaults().topP(), 0, 1), 0,
                    ThreadLocalRandom.current().nextLong(), 0, 0, 1);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(null, e.getMessage());
        }
        return new GenerationParams(sampling, maxTokens, served.limits().checkStops(f.strings("stop_sequences"), "stop_sequences"), 1, f.bool("stream", false), false, -1,
                null);
    }

    @Override
    public ObjectNode errorBody(ApiException error) {
        ObjectNode body = Exchange.JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", errorType(error.status())).put("message", error.getMessage());
        return body;
    }

    private static String errorType(HttpResponseStatus status) {
        return switch (status.code()) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503 -> "overloaded_error";
            default -> status.code() < 500 ? "invalid_request_error" : "api_error";
        };
    }

    private static String stopReason(Answer answer) {
        return switch (answer.finish()) {
            case END_TURN -> "end_turn";
            case STOP_SEQUENCE -> "stop_sequence";
            case LENGTH -> "max_tokens";
            case TOOL_CALLS -> "tool_use";
        };
    }

    /** Anthropic counts the prompt tokens read from the cache apart from the rest. */
    private static ObjectNode usage(Usage usage) {
        ObjectNode node = Exchange.JSON.createObjectNode();
        node.put("input_tokens", usage.promptTokens() - usage.cachedTokens());
        node.put("cache_creation_input_tokens", 0);
        node.put("cache_read_input_tokens", usage.cachedTokens());
        node.put("output_tokens", usage.generatedTokens());
        return node;
    }

    private final class Renderer implements AnswerRenderer {
        private final Exchange exchange;
        private final boolean stream;
        private final int promptTokens;
        private final String id = AnswerRenderer.randomId("msg_", 24);
        /** The streamed content block still open, and its index; -1 before the first. */
        private String openBlock;
        private int blockIndex = -1;

        Renderer(Exchange exchange, boolean stream, int promptTokens) {
            this.exchange = exchange;
            this.stream = stream;
            this.promptTokens = promptTokens;
        }

        @Override
        public String newToolCallId() {
            return AnswerRenderer.randomId("toolu_", 24);
        }

        @Override
        public void open() {
            exchange.startEvents(this::ping);
            ObjectNode start = Exchange.JSON.createObjectNode().put("type", "message_start");
            ObjectNode message = envelope(start.putObject("message"));
            message.putArray("content");
            message.putNull("stop_reason");
            message.putNull("stop_sequence");
            message.set("usage", usage(new Usage(promptTokens, 0, 0)));
            exchange.event("message_start", start.toString());
            ping();
        }

        private void ping() {
            exchange.event("ping", "{\"type\": \"ping\"}");
        }

        @Override
        public void event(Answer answer, AnswerEvent event) {
            switch (event) {
                case AnswerEvent.Reasoning(String piece) -> {
                    block("thinking", Exchange.JSON.createObjectNode().put("type", "thinking").put("thinking", "").put("signature", ""));
                    delta(Exchange.JSON.createObjectNode().put("type", "thinking_delta").put("thinking", piece));
                }
                case AnswerEvent.Text(String piece) -> {
                    block("text", Exchange.JSON.createObjectNode().put("type", "text").put("text", ""));
                    delta(Exchange.JSON.createObjectNode().put("type", "text_delta").put("text", piece));
                }
                case AnswerEvent.ToolCallMade call -> {
                    ObjectNode start = Exchange.JSON.createObjectNode().put("type", "tool_use").put("id", call.id())
                            .put("name", call.call().name());
                    start.putObject("input");
                    block("tool_use", start);
                    delta(Exchange.JSON.createObjectNode().put("type", "input_json_delta")
                            .put("partial_json", call.call().argumentsJson()));
                    closeBlock();
                }
            }
        }

        /** Opens a block of {@code type} unless one is open already; a tool_use block is never continued. */
        private void block(String type, ObjectNode contentBlock) {
            if (type.equals(openBlock) && !type.equals("tool_use")) {
                return;
            }
            closeBlock();
            openBlock = type;
            blockIndex++;
            ObjectNode start = Exchange.JSON.createObjectNode().put("type", "content_block_start").put("index", blockIndex);
            start.set("content_block", contentBlock);
            exchange.event("content_block_start", start.toString());
        }

        private void delta(ObjectNode delta) {
            ObjectNode event = Exchange.JSON.createObjectNode().put("type", "content_block_delta").put("index", blockIndex);
            event.set("delta", delta);
            exchange.event("content_block_delta", event.toString());
        }

        private void closeBlock() {
            if (openBlock != null) {
                exchange.event("content_block_stop", "{\"type\": \"content_block_stop\", \"index\": " + blockIndex + "}");
                openBlock = null;
            }
        }

        @Override
        public void finish(Answer answer) {
            closeBlock();
        }

        @Override
        public void complete(List<Answer> answers, Usage usage) {
            Answer answer = answers.getFirst();
            if (stream) {
                ObjectNode delta = Exchange.JSON.createObjectNode().put("type", "message_delta");
                delta.putObject("delta").put("stop_reason", stopReason(answer)).put("stop_sequence", answer.stopSequence());
                delta.set("usage", usage(usage));
                exchange.event("message_delta", delta.toString());
                exchange.event("message_stop", "{\"type\": \"message_stop\"}");
                exchange.endEvents(false);
                return;
            }
            ObjectNode message = envelope(Exchange.JSON.createObjectNode());
            ArrayNode content = message.putArray("content");
            for (Answer.Part part : answer.parts) {
                switch (part) {
                    case Answer.Part.Reasoning(StringBuilder text) ->
                            content.addObject().put("type", "thinking").put("thinking", text.toString()).put("signature", "");
                    case Answer.Part.Text(StringBuilder text) -> content.addObject().put("type", "text").put("text", text.toString());
                    case Answer.Part.Call(AnswerEvent.ToolCallMade call) -> content.addObject().put("type", "tool_use")
                            .put("id", call.id()).put("name", call.call().name()).set("input", call.call().arguments());
                }
            }
            message.put("stop_reason", stopReason(answer));
            message.put("stop_sequence", answer.stopSequence());
            message.set("usage", usage(usage));
            exchange.json(HttpResponseStatus.OK, message);
        }

        @Override
        public void fail(ApiException error) {
            if (stream) {
                exchange.event("error", errorBody(error).toString());
                exchange.endEvents(true);
            } else {
                exchange.json(error.status(), errorBody(error));
            }
        }

        private ObjectNode envelope(ObjectNode message) {
            return message.put("id", id).put("type", "message").put("role", "assistant").put("model", served.name());
        }
    }
}
