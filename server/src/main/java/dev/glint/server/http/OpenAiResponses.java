package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.grammar.GrammarAutomaton;
import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.scheduler.TokenSink.Usage;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * OpenAI's {@code POST /v1/responses}, stateless (as Codex CLI uses it, with {@code store: false}): the request is
 * translated by {@link ResponsesInput}; the answer comes back as output items — {@code reasoning},
 * {@code message} with {@code output_text}, {@code function_call} — or streamed as the Responses events
 * ({@code response.created}, {@code response.output_item.added}, {@code response.reasoning_text.delta},
 * {@code response.output_text.delta}, {@code response.function_call_arguments.delta}, …,
 * {@code response.completed}).
 */
final class OpenAiResponses implements WireProtocol {
    /** Read, or accepted because they change nothing here (Codex sends include, prompt_cache_key, client_metadata). */
    private static final Set<String> FIELDS = Set.of("model", "input", "instructions", "tools", "tool_choice", "reasoning",
            "max_output_tokens", "temperature", "top_p", "stream", "store", "previous_response_id", "text", "include",
            "prompt_cache_key", "metadata", "client_metadata", "parallel_tool_calls", "user", "service_tier", "truncation");
    private final ServedModel served;
    private final Metrics metrics;

    OpenAiResponses(ServedModel served, Metrics metrics) {
        this.served = served;
        this.metrics = metrics;
    }

    @Override
    public Set<String> fields() {
        return FIELDS;
    }

    @Override
    public boolean answers(String path) {
        return path.equals("/v1/responses") || path.equals("/responses");
    }

    @Override
    public void serve(String path, Exchange exchange, JsonNode body) {
        RequestFields f = new RequestFields(body);
        if (f.bool("store", false)) {
            throw ApiException.badRequest("store", "this server keeps no responses: send \"store\": false");
        }
        if (f.has("previous_response_id")) {
            throw ApiException.badRequest("previous_response_id",
                    "this server keeps no responses: send the whole conversation in 'input' instead of previous_response_id");
        }
        GrammarAutomaton grammar;
        try {
            grammar = GenerationParams.responseFormat(body.path("text").get("format"), served);
        } catch (ApiException e) {
            throw ApiException.badRequest("text.format", e.getMessage());
        }
        ObjectNode chat = ResponsesInput.toChat(body);
        SamplingParams sampling;
        try {
            sampling = new SamplingParams(f.number("temperature", served.defaults().temperature(), 0, 2), 0,
                    f.number("top_p", served.defaults().topP(), 0, 1), 0, ThreadLocalRandom.current().nextLong(), 0, 0, 1);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(null, e.getMessage());
        }
        Integer maxTokens = f.has("max_output_tokens") ? f.integer("max_output_tokens", 0, 1, Integer.MAX_VALUE) : null;
        GenerationParams params = new GenerationParams(sampling, maxTokens, List.of(), 1, f.bool("stream", false), false, -1,
                grammar);
        GenerationJob job = GenerationJob.chat(served, chat, params, false);
        Generation.start(served, metrics, exchange, job, new Renderer(exchange, params.stream(), body));
    }

    @Override
    public ObjectNode errorBody(ApiException error) {
        return OpenAiRenderer.errorBody(error);
    }

    private static String id(String prefix) {
        return AnswerRenderer.randomId(prefix, 32);
    }

    private final class Renderer implements AnswerRenderer {
        private final Exchange exchange;
        private final boolean stream;
        private final JsonNode request;
        private final String id = id("resp_");
        private final long createdAt = System.currentTimeMillis() / 1000;
        private final ArrayNode output = Exchange.JSON.createArrayNode();
        private int sequence;
        /** The streamed item still open (a reasoning or message item whose text grows), or null. */
        private ObjectNode openItem;
        private StringBuilder openText;

        Renderer(Exchange exchange, boolean stream, JsonNode request) {
            this.exchange = exchange;
            this.stream = stream;
            this.request = request;
        }

        @Override
        public void open() {
            exchange.startEvents(null);
            send("response.created", Exchange.JSON.createObjectNode().set("response", response("in_progress", null)));
            send("response.in_progress", Exchange.JSON.createObjectNode().set("response", response("in_progress", null)));
        }

        private void send(String type, ObjectNode event) {
            ObjectNode data = Exchange.JSON.createObjectNode().put("type", type).put("sequence_number", sequence++);
            data.setAll(event);
            exchange.event(type, data.toString());
        }

        @Override
        public void event(Answer answer, AnswerEvent event) {
            switch (event) {
                case AnswerEvent.Reasoning(String piece) -> {
                    if (openItem == null || !openItem.path("type").asText().equals("reasoning")) {
                        openItem(reasoningItem(""));
                    }
                    openText.append(piece);
                    send("response.reasoning_text.delta", located().put("content_index", 0).put("delta", piece));
                }
                case AnswerEvent.Text(String piece) -> {
                    if (openItem == null || !openItem.path("type").asText().equals("message")) {
                        openItem(messageItem("", "in_progress"));
                        send("response.content_part.added", located().put("content_index", 0).set("part", textPart("")));
                    }
                    openText.append(piece);
                    send("response.output_text.delta", located().put("content_index", 0).put("delta", piece)
                            .set("logprobs", Exchange.JSON.createArrayNode()));
                }
                case AnswerEvent.ToolCallMade call -> {
                    closeItem();
                    ObjectNode item = functionCallItem(call, "in_progress").put("arguments", "");
                    openItem(item);
                    String arguments = call.call().argumentsJson();
                    send("response.function_call_arguments.delta", located().put("delta", arguments));
                    send("response.function_call_arguments.done", located().put("arguments", arguments));
                    item.put("arguments", arguments).put("status", "completed");
                    finishItem();
                }
            }
        }

        /** The event fields that say which item an event belongs to. */
        private ObjectNode located() {
            return Exchange.JSON.createObjectNode().put("item_id", openItem.get("id").asText()).put("output_index", output.size());
        }

        private void openItem(ObjectNode item) {
            closeItem();
            openItem = item;
            openText = new StringBuilder();
            send("response.output_item.added", Exchange.JSON.createObjectNode().put("output_index", output.size()).set("item", item));
        }

        /** Ends the open item: its text's done events, then output_item.done with the whole item. */
        private void closeItem() {
            if (openItem == null) {
                return;
            }
            String text = openText.toString();
            switch (openItem.path("type").asText()) {
                case "reasoning" -> {
                    send("response.reasoning_text.done", located().put("content_index", 0).put("text", text));
                    openItem = reasoningItem(text).put("id", openItem.get("id").asText());
                }
                case "message" -> {
                    send("response.output_text.done", located().put("content_index", 0).put("text", text)
                            .set("logprobs", Exchange.JSON.createArrayNode()));
                    send("response.content_part.done", located().put("content_index", 0).set("part", textPart(text)));
                    openItem = messageItem(text, "completed").put("id", openItem.get("id").asText());
                }
                default -> {
                }
            }
            finishItem();
        }

        private void finishItem() {
            send("response.output_item.done", Exchange.JSON.createObjectNode().put("output_index", output.size()).set("item", openItem));
            output.add(openItem);
            openItem = null;
        }

        @Override
        public void finish(Answer answer) {
            closeItem();
        }

        @Override
        public void complete(List<Answer> answers, Usage usage) {
            Answer answer = answers.getFirst();
            String status = answer.finish() == Answer.Finish.LENGTH ? "incomplete" : "completed";
            if (stream) {
                send("response." + status, Exchange.JSON.createObjectNode().set("response", response(status, usage)));
                exchange.endEvents(false);
                return;
            }
            for (Answer.Part part : answer.parts) {
                output.add(switch (part) {
                    case Answer.Part.Reasoning(StringBuilder text) -> reasoningItem(text.toString());
                    case Answer.Part.Text(StringBuilder text) -> messageItem(text.toString(), "completed");
                    case Answer.Part.Call(AnswerEvent.ToolCallMade call) -> functionCallItem(call, "completed");
                });
            }
            exchange.json(HttpResponseStatus.OK, response(status, usage));
        }

        @Override
        public void fail(ApiException error) {
            if (stream) {
                send("error", Exchange.JSON.createObjectNode().put("code", error.type()).put("message", error.getMessage())
                        .put("param", error.param()));
                exchange.endEvents(true);
            } else {
                exchange.json(error.status(), errorBody(error));
            }
        }

        /** The response object; its output is what has been generated so far. */
        private ObjectNode response(String status, Usage usage) {
            ObjectNode response = Exchange.JSON.createObjectNode();
            response.put("id", id).put("object", "response").put("created_at", createdAt).put("status", status);
            response.putNull("error");
            if (status.equals("incomplete")) {
                response.putObject("incomplete_details").put("reason", "max_output_tokens");
            } else {
                response.putNull("incomplete_details");
            }
            response.set("instructions", request.path("instructions").isTextual() ? request.get("instructions") : null);
            response.set("max_output_tokens", request.get("max_output_tokens"));
            response.put("model", served.name());
            response.set("output", output.deepCopy());
            response.put("parallel_tool_calls", true);
            response.set("reasoning", request.has("reasoning") ? request.get("reasoning") : Exchange.JSON.createObjectNode());
            response.put("store", false);
            response.putObject("text").putObject("format").put("type", "text");
            response.set("tool_choice", request.has("tool_choice") ? request.get("tool_choice")
                    : Exchange.JSON.getNodeFactory().textNode("auto"));
            response.set("tools", request.has("tools") ? request.get("tools") : Exchange.JSON.createArrayNode());
            if (usage != null) {
                ObjectNode node = response.putObject("usage");
                node.put("input_tokens", usage.promptTokens());
                node.putObject("input_tokens_details").put("cached_tokens", usage.cachedTokens());
                node.put("output_tokens", usage.generatedTokens());
                node.putObject("output_tokens_details").put("reasoning_tokens", 0);
                node.put("total_tokens", usage.promptTokens() + usage.generatedTokens());
            } else {
                response.putNull("usage");
            }
            return response;
        }

        private ObjectNode reasoningItem(String text) {
            ObjectNode item = Exchange.JSON.createObjectNode().put("id", id("rs_")).put("type", "reasoning");
            item.putArray("summary");
            item.putArray("content").addObject().put("type", "reasoning_text").put("text", text);
            return item;
        }

        private ObjectNode messageItem(String text, String status) {
            ObjectNode item = Exchange.JSON.createObjectNode().put("id", id("msg_")).put("type", "message")
                    .put("status", status).put("role", "assistant");
            ArrayNode content = item.putArray("content");
            if (status.equals("completed")) {
                content.add(textPart(text));
            }
            return item;
        }

        private static ObjectNode textPart(String text) {
            ObjectNode part = Exchange.JSON.createObjectNode().put("type", "output_text").put("text", text);
            part.putArray("annotations");
            part.putArray("logprobs");
            return part;
        }

        private ObjectNode functionCallItem(AnswerEvent.ToolCallMade call, String status) {
            return Exchange.JSON.createObjectNode().put("id", "fc_" + call.id().substring("call_".length()))
                    .put("type", "function_call").put("status", status).put("arguments", call.call().argumentsJson())
                    .put("call_id", call.id()).put("name", call.call().name());
        }
    }
}
