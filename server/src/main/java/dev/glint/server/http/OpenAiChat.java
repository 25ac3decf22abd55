package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * OpenAI's {@code POST /v1/chat/completions}: the request is already in the shape the chat template reads; the answer
 * comes back as a message with {@code content}, {@code reasoning_content} and {@code tool_calls}, or streamed as
 * {@code chat.completion.chunk} deltas.
 */
final class OpenAiChat implements WireProtocol {
    /** Read, or accepted because they change nothing here ({@code user}, {@code metadata}, {@code store}, ...). */
    private static final Set<String> FIELDS = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "temperature",
            "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty", "repetition_penalty", "seed", "stop", "n",
            "stream", "stream_options", "tools", "tool_choice", "chat_template_kwargs", "reasoning_effort", "thinking",
            "logprobs", "top_logprobs", "logit_bias", "response_format", "add_generation_prompt", "user", "metadata",
            "store", "service_tier", "parallel_tool_calls");
    private final ServedModel served;
    private final Metrics metrics;

    OpenAiChat(ServedModel served, Metrics metrics) {
        this.served = served;
        this.metrics = metrics;
    }

    @Override
    public Set<String> fields() {
        return FIELDS;
    }

    @Override
    public boolean answers(String path) {
        return path.equals("/v1/chat/completions") || path.equals("/chat/completions");
    }

    @Override
    public void serve(String path, Exchange exchange, JsonNode body) {
        GenerationParams params = GenerationParams.parse(body, served.defaults(), true, served);
        GenerationJob job = GenerationJob.chat(served, body, params, false);
        Generation.start(served, metrics, exchange, job, new Renderer(exchange, params));
    }

    @Override
    public ObjectNode errorBody(ApiException error) {
        return OpenAiRenderer.errorBody(error);
    }

    private final class Renderer extends OpenAiRenderer {
        Renderer(Exchange exchange, GenerationParams params) {
            super(served, exchange, params, "chatcmpl-", "chat.completion", "chat.completion.chunk", true);
        }

        @Override
        public void open() {
            exchange.startEvents(null);
            for (int i = 0; i < params.n(); i++) {
                chunk(i, Exchange.JSON.createObjectNode().put("role", "assistant").put("content", ""), null, null);
            }
        }

        @Override
        public void event(Answer answer, AnswerEvent event) {
            ObjectNode delta = Exchange.JSON.createObjectNode();
            switch (event) {
                case AnswerEvent.Text(String piece) -> delta.put("content", piece);
                case AnswerEvent.Reasoning(String piece) -> delta.put("reasoning_content", piece);
                case AnswerEvent.ToolCallMade call -> delta.putArray("tool_calls").add(toolCall(call).put("index", call.index()));
            }
            chunk(answer.index, delta, null, answer);
        }

        @Override
        protected void putDelta(ObjectNode choice, ObjectNode delta) {
            choice.set("delta", delta);
        }

        @Override
        protected void putAnswer(ObjectNode choice, Answer answer) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            String text = answer.text();
            List<AnswerEvent.ToolCallMade> toolCalls = answer.toolCalls();
            message.put("content", toolCalls.isEmpty() || !text.isEmpty() ? text : null);
            if (answer.reasoning() != null) {
                message.put("reasoning_content", answer.reasoning());
            }
            if (!toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                toolCalls.forEach(call -> calls.add(toolCall(call)));
            }
        }

        private static ObjectNode toolCall(AnswerEvent.ToolCallMade made) {
            ObjectNode node = Exchange.JSON.createObjectNode();
            node.put("id", made.id());
            node.put("type", "function");
            node.putObject("function").put("name", made.call().name()).put("arguments", made.call().argumentsJson());
            return node;
        }
    }
}
