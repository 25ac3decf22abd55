package dev.glint.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.scheduler.TokenSink.Usage;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;

/**
 * What OpenAI's chat and legacy completions share: the envelope ({@code id, object, created, model}), usage, errors
 * and a stream of data-only events that ends with {@code [DONE]}. The subclasses say what a choice looks like.
 */
abstract class OpenAiRenderer implements AnswerRenderer {
    protected final Exchange exchange;
    protected final GenerationParams params;
    private final ServedModel served;
    private final String id;
    private final String object;
    private final String chunkObject;
    private final long created = System.currentTimeMillis() / 1000;
    private final Logprobs[] logprobs;

    OpenAiRenderer(ServedModel served, Exchange exchange, GenerationParams params, String idPrefix, String object,
                   String chunkObject, boolean chatLogprobs) {
        this.served = served;
        this.exchange = exchange;
        this.params = params;
        this.id = AnswerRenderer.randomId(idPrefix, 32);
        this.object = object;
        this.chunkObject = chunkObject;
        this.logprobs = new Logprobs[params.n()];
        for (int i = 0; i < logprobs.length && params.logprobs() >= 0; i++) {
            logprobs[i] = new Logprobs(served.tokenizer(), chatLogprobs);
        }
    }

    static ObjectNode errorBody(ApiException e) {
        ObjectNode body = Exchange.JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("param", e.param());
        error.put("code", e.status().code());
        return body;
    }

    /** Puts a streamed piece of the answer into a chunk's choice: a chat delta, or the text of a completion. */
    protected abstract void putDelta(ObjectNode choice, ObjectNode delta);

    /** Puts a whole answer into a response's choice. */
    protected abstract void putAnswer(ObjectNode choice, Answer answer);

    /** One streamed chunk of choice {@code index}, with the log-probabilities {@code answer} has not yet sent. */
    protected final void chunk(int index, ObjectNode delta, String finishReason, Answer answer) {
        ObjectNode chunk = envelope(chunkObject);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        putDelta(choice, delta);
        choice.set("logprobs", answer == null ? null : logprobs(answer));
        choice.put("finish_reason", finishReason);
        exchange.event(chunk.toString());
    }

    private ObjectNode logprobs(Answer answer) {
        Logprobs pending = logprobs[answer.index];
        if (pending == null) {
            return null;
        }
        answer.takeLogprobs().forEach(pending::add);
        return pending.drain();
    }

    @Override
    public void finish(Answer answer) {
        chunk(answer.index, Exchange.JSON.createObjectNode(), finishReason(answer), answer);
    }

    private static String finishReason(Answer answer) {
        return switch (answer.finish()) {
            case TOOL_CALLS -> "tool_calls";
            case LENGTH -> "length";
            case END_TURN, STOP_SEQUENCE -> "stop";
        };
    }

    @Override
    public void complete(List<Answer> answers, Usage usage) {
        if (params.stream()) {
            if (params.includeUsage()) {
                ObjectNode last = envelope(chunkObject);
                last.putArray("choices");
                last.set("usage", usage(usage));
                exchange.event(last.toString());
            }
            exchange.event("[DONE]");
            exchange.endEvents(false);
            return;
        }
        ObjectNode response = envelope(object);
        ArrayNode choices = response.putArray("choices");
        for (Answer answer : answers) {
            ObjectNode choice = choices.addObject();
            choice.put("index", answer.index);
            putAnswer(choice, answer);
            choice.set("logprobs", logprobs(answer));
            choice.put("finish_reason", finishReason(answer));
        }
        response.set("usage", usage(usage));
        exchange.json(HttpResponseStatus.OK, response);
    }

    @Override
    public void fail(ApiException error) {
        if (params.stream()) {
            exchange.event(errorBody(error).toString());
            exchange.event("[DONE]");
            exchange.endEvents(true);
        } else {
            exchange.json(error.status(), errorBody(error));
        }
    }

    private ObjectNode envelope(String objectName) {
        ObjectNode node = Exchange.JSON.createObjectNode();
        node.put("id", id);
        node.put("object", objectName);
        node.put("created", created);
        node.put("model", served.name());
        return node;
    }

    private static ObjectNode usage(Usage usage) {
        ObjectNode node = Exchange.JSON.createObjectNode();
        node.put("prompt_tokens", usage.promptTokens());
        node.put("completion_tokens", usage.generatedTokens());
        node.put("total_tokens", usage.promptTokens() + usage.generatedTokens());
        node.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedTokens());
        if (usage.draftTokens() > 0) {
            // OpenAI's fields for predicted outputs: guessed tokens that the model confirmed, and the rest.
            node.putObject("completion_tokens_details")
                    .put("accepted_prediction_tokens", usage.acceptedDraftTokens())
                    .put("rejected_prediction_tokens", usage.draftTokens() - usage.acceptedDraftTokens());
        }
        return node;
    }
}
