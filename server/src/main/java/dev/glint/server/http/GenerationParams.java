package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glint.engine.grammar.GrammarAutomaton;
import dev.glint.engine.sampling.SamplingParams;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The decoding fields shared by /v1/chat/completions and /v1/completions, validated: each bad value is a 400 that
 * names the field. Fields the server cannot honour are refused, not ignored.
 */
record GenerationParams(SamplingParams sampling, Integer maxTokens, List<String> stop, int n, boolean stream,
                        boolean includeUsage, int logprobs, GrammarAutomaton grammar) {

    /**
     * Chat asks for log-probabilities with {@code logprobs: true} and {@code top_logprobs: 0..20}, legacy completions
     * with {@code logprobs: 0..5}; -1 means none were asked for.
     */
    static GenerationParams parse(JsonNode body, GenerationDefaults defaults, boolean chat, ServedModel served) {
        RequestFields f = new RequestFields(body);
        Integer maxTokens = defaults.maxTokens();
        for (String name : new String[]{"max_tokens", "max_completion_tokens"}) {
            if (f.has(name)) {
                maxTokens = f.integer(name, 0, 1, Integer.MAX_VALUE);
            }
        }
        int logprobs;
        if (chat) {
            int top = f.integer("top_logprobs", 0, 0, 20);
            boolean wanted = f.bool("logprobs", false);
            if (f.has("top_logprobs") && !wanted) {
                throw ApiException.badRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true");
            }
            logprobs = wanted ? top : -1;
        } else {
            logprobs = f.integer("logprobs", -1, 0, 5);
        }
        long seed = f.longInteger("seed", ThreadLocalRandom.current().nextLong());
        int topK = f.integer("top_k", 0, -1, Integer.MAX_VALUE);
        SamplingParams sampling;
        try {
            sampling = new SamplingParams(
                    f.number("temperature", defaults.temperature(), 0, 2),
                    Math.max(0, topK),
                    f.number("top_p", defaults.topP(), 0, 1),
                    f.number("min_p", 0, 0, 1),
                    seed,
                    f.number("presence_penalty", 0, -2, 2),
                    f.number("frequency_penalty", 0, -2, 2),
                    f.number("repetition_penalty", 1, 0, 100));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(null, e.getMessage());
        }
        sampling = sampling.withLogitBias(logitBias(f.object("logit_bias"), served.tokenizer().vocabSize()));
        boolean includeUsage = f.inside("stream_options").bool("include_usage", false);
        return new GenerationParams(sampling, maxTokens, served.limits().checkStops(f.strings("stop"), "stop"),
                served.limits().checkChoices(f.integer("n", 1, 1, Integer.MAX_VALUE)),
                f.bool("stream", false), includeUsage, logprobs, responseFormat(f.object("response_format"), served));
    }

    GenerationParams withSampling(SamplingParams newSampling) {
        return new GenerationParams(newSampling, maxTokens, stop, n, stream, includeUsage, logprobs, grammar);
    }

    /**
     * OpenAI's {@code response_format}: {@code text} (free), {@code json_object} (any JSON object) or
     * {@code json_schema} ({@code {"json_schema": {"name", "schema", "strict"}}}), enforced by constrained decoding.
     */
    static GrammarAutomaton responseFormat(JsonNode format, ServedModel served) {
        if (format == null) {
            return null;
        }
        return switch (format.path("type").asText("")) {
            case "text" -> null;
            case "json_object" -> served.grammar(null, "response_format");
            case "json_schema" -> {
                // Chat nests the schema in json_schema; the Responses API's text.format carries it directly.
                JsonNode schema = format.has("json_schema") ? format.path("json_schema").get("schema") : format.get("schema");
                if (schema == null || !(schema.isObject() || schema.isBoolean())) {
                    throw ApiException.badRequest("response_format", "a json_schema response_format needs its schema "
                            + "(response_format.json_schema.schema, text.format.schema in the Responses API)");
                }
                yield served.grammar(schema, "response_format");
            }
            default -> throw ApiException.badRequest("response_format", "response_format type must be text, json_object "
                    + "or json_schema, not " + format.path("type"));
        };
    }

    /** OpenAI's {@code logit_bias}: token ids (as JSON keys) of this model mapped to a bias in [-100, 100]. */
    private static Map<Integer, Float> logitBias(JsonNode bias, int vocabSize) {
        Map<Integer, Float> out = new HashMap<>();
        if (bias == null) {
            return out;
        }
        bias.properties().forEach(entry -> {
            int id;
            try {
                id = Integer.parseInt(entry.getKey());
            } catch (NumberFormatException e) {
                id = -1;
            }
            JsonNode value = entry.getValue();
            if (id < 0 || id >= vocabSize) {
                throw ApiException.badRequest("logit_bias", "logit_bias key '" + entry.getKey() + "' is not a token id of this "
                        + "model (0 to " + (vocabSize - 1) + ")");
            }
            if (!value.isNumber() || value.doubleValue() < -100 || value.doubleValue() > 100) {
                throw ApiException.badRequest("logit_bias", "logit_bias[" + id + "] must be a number between -100 and 100, got " + value);
            }
            out.put(id, value.floatValue());
        });
        return out;
    }

    /** What a request that says nothing gets: the model's generation_config.json values and a max_tokens default. */
    record GenerationDefaults(double temperature, double topP, Integer maxTokens) {
        GenerationDefaults withMaxTokens(Integer tokens) {
            return new GenerationDefaults(temperature, topP, tokens);
        }
    }
}
