package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;

/**
 * OpenAI's legacy {@code POST /v1/completions}: a raw prompt (text or token ids) continued as raw text up to a stop
 * string, returned as {@code text_completion} choices.
 */
final class OpenAiCompletions implements WireProtocol {
    /** Read, or accepted because they change nothing here. */
    private static final Set<String> FIELDS = Set.of("model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "min_p",
            "presence_penalty", "frequency_penalty", "repetition_penalty", "seed", "stop", "n", "stream", "stream_options",
            "logprobs", "logit_bias", "response_format", "echo", "suffix", "user");
    private final ServedModel served;
    private final Metrics metrics;

    OpenAiCompletions(ServedModel served, Metrics metrics) {
        this.served = served;
        this.metrics = metrics;
    }

    @Override
    public Set<String> fields() {
        return FIELDS;
    }

    @Override
    public boolean answers(String path) {
        return path.equals("/v1/completions") || path.equals("/completions");
    }

    @Override
    public void serve(String path, Exchange exchange, JsonNode body) {
        // OpenAI's legacy completions default to 16 tokens.
        GenerationParams params = GenerationParams.parse(body, served.defaults().withMaxTokens(16), false, served);
        GenerationJob job = GenerationJob.text(prompt(body), params);
        Generation.start(served, metrics, exchange, job, new Renderer(exchange, params));
    }

    @Override
    public ObjectNode errorBody(ApiException error) {
        return OpenAiRenderer.errorBody(error);
    }

    /** The prompt as text or as token ids; echo and suffix are not supported. */
    private int[] prompt(JsonNode body) {
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

    private final class Renderer extends OpenAiRenderer {
        Renderer(Exchange exchange, GenerationParams params) {
            super(served, exchange, params, "cmpl-", "text_completion", "text_completion", false);
        }

        @Override
        public void open() {
            exchange.startEvents(null);
        }

        @Override
        public void event(Answer answer, AnswerEvent event) {
            if (event instanceof AnswerEvent.Text(String piece)) {
                chunk(answer.index, Exchange.JSON.createObjectNode().put("content", piece), null, answer);
            }
        }

        @Override
        protected void putDelta(ObjectNode choice, ObjectNode delta) {
            choice.put("text", delta.path("content").asText(""));
        }

        @Override
        protected void putAnswer(ObjectNode choice, Answer answer) {
            choice.put("text", answer.text());
        }
    }
}
