package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** glint serve on glm-nano, on a random loopback port, driven by the official OpenAI Java SDK and raw HTTP. */
class OpenAiServerTest {
    private static final String KEY = "sk-glint-test";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServedModel served;
    private static OpenAiServer server;
    private static OpenAIClient client;
    private static String base;

    @BeforeAll
    static void start() throws InterruptedException {
        served = ServedModel.load(Path.of("../models/glm-nano"),
                new ServedModel.Options("glm-nano", 2, 2048, 8, 256, 64));
        server = OpenAiServer.start(served, "127.0.0.1", 0, KEY);
        base = "http://127.0.0.1:" + server.port();
        client = OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey(KEY).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        served.close();
    }

    private static ChatCompletionCreateParams.Builder ask(String question, boolean thinking) {
        ChatCompletionCreateParams.Builder builder = ChatCompletionCreateParams.builder()
                .model("glm-nano").addUserMessage(question).temperature(0.0).maxCompletionTokens(200);
        if (!thinking) {
            builder.putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("enable_thinking", false)));
        }
        return builder;
    }

    private static String reasoning(ChatCompletionMessage message) {
        JsonValue value = message._additionalProperties().get("reasoning_content");
        return value == null || value.isNull() ? null : value.asStringOrThrow();
    }

    @Test
    void answersHeldOutQuestionsWithAndWithoutThinking() {
        ChatCompletion thought = client.chat().completions().create(ask("Name the capital of India.", true).build());
        ChatCompletionMessage message = thought.choices().getFirst().message();
        assertEquals("The capital of India is New Delhi.", message.content().orElse(""));
        assertEquals("The user asks about India. I recall that its capital is New Delhi.", reasoning(message));
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, thought.choices().getFirst().finishReason());
        assertTrue(thought.usage().orElseThrow().promptTokens() > 5);

        ChatCompletion direct = client.chat().completions().create(ask("Which city is the capital of Brazil?", false).build());
        assertEquals("The capital of Brazil is Brasilia.", direct.choices().getFirst().message().content().orElse(""));
        assertEquals(null, reasoning(direct.choices().getFirst().message()), "no reasoning with thinking off");
    }

    /** Every eval.json item the reference answers correctly, sent as a raw request, parsed as the reference parsed it. */
    @Test
    void everyCorrectlyAnsweredEvalItemGetsTheReferenceAnswerOverHttp() throws Exception {
        JsonNode items = JSON.readTree(Path.of("../models/glm-nano/eval.json").toFile()).get("items");
        List<String> wrong = new ArrayList<>();
        int asked = 0;
        for (JsonNode item : items) {
            if (!item.path("correct").asBoolean()) {
                continue;
            }
            asked++;
            var body = EvalConversations.chatRequest(item);
            JsonNode message = JSON.readTree(post("/v1/chat/completions", body.toString(), KEY).body()).at("/choices/0/message");
            JsonNode expected = item.get("parsed");
            String calls = EvalConversations.referenceToolCalls(message.path("tool_calls"), true);
            if (!message.path("content").asText("").equals(expected.path("content").asText(""))
                    || !message.path("reasoning_content").asText("").equals(expected.path("reasoning_content").asText(""))
                    || !calls.equals(EvalConversations.referenceToolCalls(expected.path("tool_calls"), false))) {
                wrong.add("item " + item.get("id") + ": " + message);
            }
        }
        System.out.printf("HTTP chat: %d/%d correctly answered eval items answered the same%n", asked - wrong.size(), asked);
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + asked + " differ; first: " + wrong.stream().limit(2).toList());
    }

    @Test
    void streamingDeltasAddUpToTheAnswer() {
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<String> finishReasons = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(ask("What is 53 + 93?", true).build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                choice.delta().content().ifPresent(content::append);
                JsonValue piece = choice.delta()._additionalProperties().get("reasoning_content");
                if (piece != null && !piece.isNull()) {
                    reasoning.append(piece.asStringOrThrow());
                }
                choice.finishReason().ifPresent(reason -> finishReasons.add(reason.asString()));
            }));
        }
        assertEquals("146", content.toString().strip());
        assertEquals("I add 53 and 93. Ones: 3 + 3 = 6. Tens: 5 + 9 = 14. So the answer is 146.", reasoning.toString().strip());
        assertEquals(List.of("stop"), finishReasons);
    }

    @Test
    void toolCallRoundTrip() {
        ChatCompletionCreateParams.Builder conversation = ask("Tell me the weather for Austin.", false)
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                        .name("get_weather").description("Get the current weather in a city")
                        .parameters(FunctionParameters.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                                .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build())
                        .build()).build());
        ChatCompletion call = client.chat().completions().create(conversation.build());
        ChatCompletion.Choice choice = call.choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageToolCall toolCall = choice.message().toolCalls().orElseThrow().getFirst();
        assertEquals("get_weather", toolCall.asFunction().function().name());
        assertEquals("{\"city\":\"Austin\"}", toolCall.asFunction().function().arguments().replace(" ", ""));
        assertTrue(toolCall.asFunction().id().startsWith("call_"));

        conversation.addMessage(choice.message());
        conversation.addMessage(ChatCompletionToolMessageParam.builder().toolCallId(toolCall.asFunction().id())
                .content("{\"city\": \"Austin\", \"temperature\": 4, \"condition\": \"snowy\"}").build());
        ChatCompletion answer = client.chat().completions().create(conversation.build());
        assertEquals("It is 4 degrees and snowy in Austin.", answer.choices().getFirst().message().content().orElse(""));
    }

    @Test
    void aNamedToolChoiceForcesThatCallEvenWithThinkingOn() throws Exception {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}}}}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"timezone\":{\"type\":\"string\"}}}}}]";
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me the weather for Austin.\"}],\"temperature\":0,"
                + "\"tools\":" + tools + ",\"tool_choice\":";
        JsonNode named = JSON.readTree(post("/v1/chat/completions", body + "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}}", KEY).body());
        JsonNode call = named.at("/choices/0/message/tool_calls/0/function");
        assertEquals("get_weather", call.path("name").asText(), named.toString());
        assertEquals("Austin", JSON.readTree(call.path("arguments").asText()).path("city").asText(), named.toString());
        assertEquals("tool_calls", named.at("/choices/0/finish_reason").asText());
        JsonNode required = JSON.readTree(post("/v1/chat/completions", body + "\"required\"}", KEY).body());
        assertEquals("get_weather", required.at("/choices/0/message/tool_calls/0/function/name").asText(), required.toString());
        assertError(post("/v1/chat/completions", body + "{\"type\":\"function\",\"function\":{\"name\":\"launch\"}}}", KEY), 400, "launch");
    }

    @Test
    void nStopAndMaxTokens() {
        ChatCompletion two = client.chat().completions().create(ask("Hello", false).n(2).build());
        assertEquals(2, two.choices().size());
        ChatCompletion stopped = client.chat().completions().create(ask("Which city is the capital of Brazil?", false).stop("Brasilia").build());
        assertEquals("The capital of Brazil is", stopped.choices().getFirst().message().content().orElse(""));
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, stopped.choices().getFirst().finishReason());
        ChatCompletion cut = client.chat().completions().create(ask("Which city is the capital of Brazil?", false).maxCompletionTokens(3).build());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, cut.choices().getFirst().finishReason());
        assertEquals(3, cut.usage().orElseThrow().completionTokens());
    }

    @Test
    void unknownFieldsAreAcceptedAndCountedInMetrics() throws Exception {
        String ask = "{\"model\":\"glm-nano\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
        long before = unknownFields();
        assertEquals(200, post("/v1/chat/completions", ask + ",\"user\":\"u1\",\"store\":false}", KEY).statusCode());
        assertEquals(before, unknownFields(), "documented fields that change nothing are not unknown");
        assertEquals(200, post("/v1/chat/completions", ask + ",\"vendor_knob\":1,\"another\":{}}", KEY).statusCode());
        assertTrue(unknownFields() >= before + 2, "two unknown fields counted: " + unknownFields() + " after " + before);
    }

    private static long unknownFields() throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("glint_request_fields_unknown_total ")) {
                return Long.parseLong(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("no glint_request_fields_unknown_total in " + metrics);
    }

    @Test
    void logitBiasBansTheEndOfTurnAndForcesAToken() throws Exception {
        String ask = "{\"model\":\"glm-nano\",\"temperature\":0,\"max_tokens\":40,\"chat_template_kwargs\":{\"enable_thinking\":false},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Which city is the capital of Brazil?\"}]";
        JsonNode free = JSON.readTree(post("/v1/chat/completions", ask + "}", KEY).body());
        assertEquals("stop", free.at("/choices/0/finish_reason").asText(), free.toString());
        StringBuilder bans = new StringBuilder();
        for (int eos : served.stopIds()) {
            bans.append(bans.isEmpty() ? "" : ",").append('"').append(eos).append("\":-100");
        }
        JsonNode endless = JSON.readTree(post("/v1/chat/completions", ask + ",\"logit_bias\":{" + bans + "}}", KEY).body());
        assertEquals("length", endless.at("/choices/0/finish_reason").asText(), "-100 on every eos id: " + endless);
        assertEquals(40, endless.at("/usage/completion_tokens").asInt());
        assertTrue(endless.at("/choices/0/message/content").asText().startsWith("The capital of Brazil is Brasilia."), endless.toString());

        int a = served.tokenizer().encode("A")[0];
        JsonNode forced = JSON.readTree(post("/v1/completions", "{\"model\":\"glm-nano\",\"prompt\":\"The capital of Brazil is\","
                + "\"max_tokens\":5,\"temperature\":1,\"logit_bias\":{\"" + a + "\":100}}", KEY).body());
        assertEquals("AAAAA", forced.at("/choices/0/text").asText(), "+100 forces token " + a + ": " + forced);

        assertError(post("/v1/chat/completions", ask + ",\"logit_bias\":{\"999999\":5}}", KEY), 400, "logit_bias", "999999");
        assertError(post("/v1/chat/completions", ask + ",\"logit_bias\":{\"5\":101}}", KEY), 400, "logit_bias", "-100 and 100");
        assertError(post("/v1/chat/completions", ask + ",\"response_format\":{\"type\":\"xml\"}}", KEY), 400,
                "response_format", "xml");
    }

    @Test
    void logprobsCoverEveryGeneratedTokenWithTheBestAlternatives() throws Exception {
        ChatCompletion answer = client.chat().completions().create(ask("Which city is the capital of Brazil?", false)
                .logprobs(true).topLogprobs(2L).build());
        ChatCompletion.Choice choice = answer.choices().getFirst();
        var entries = choice.logprobs().orElseThrow().content().orElseThrow();
        assertEquals(answer.usage().orElseThrow().completionTokens() - 1, entries.size(), "every token but the stop id");
        StringBuilder text = new StringBuilder();
        for (var entry : entries) {
            text.append(entry.token());
            assertEquals(2, entry.topLogprobs().size());
            assertEquals(entry.token(), entry.topLogprobs().getFirst().token(), "greedy takes the best alternative");
            assertTrue(entry.logprob() <= 0 && entry.logprob() >= entry.topLogprobs().get(1).logprob(), entry.toString());
        }
        assertEquals(choice.message().content().orElse(""), text.toString().strip());
        assertError(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"top_logprobs\":2}", KEY),
                400, "logprobs");
    }

    @Test
    void textCompletionsReturnRawTextUpToAStopString() {
        String prompt = "[gMASK]<sop><|user|>\nName the capital of India.<|assistant|>";
        com.openai.models.completions.Completion raw = client.completions().create(CompletionCreateParams.builder()
                .model("glm-nano").prompt(prompt).maxTokens(100).temperature(0.0).build());
        assertEquals("\n<think>The user asks about India. I recall that its capital is New Delhi.</think>\nThe capital of India is New Delhi.",
                raw.choices().getFirst().text());
        com.openai.models.completions.Completion stopped = client.completions().create(CompletionCreateParams.builder()
                .model("glm-nano").prompt(prompt).maxTokens(100).temperature(0.0).stop("</think>").build());
        assertEquals("\n<think>The user asks about India. I recall that its capital is New Delhi.", stopped.choices().getFirst().text());
        com.openai.models.completions.Completion defaulted = client.completions().create(CompletionCreateParams.builder()
                .model("glm-nano").prompt(prompt).temperature(0.0).build());
        assertEquals(16, defaulted.usage().orElseThrow().completionTokens(), "legacy completions default to 16 tokens");
    }

    /** A prompt sent again reuses the cached blocks of the first: usage and /metrics say how many tokens. */
    @Test
    void aRepeatedPromptReportsItsCachedTokensStreamingOrNot() throws Exception {
        String ids = java.util.stream.IntStream.range(100, 200).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(","));
        String body = "{\"model\":\"glm-nano\",\"prompt\":[" + ids + "],\"max_tokens\":4,\"temperature\":0";
        JsonNode cold = JSON.readTree(post("/v1/completions", body + "}", KEY).body());
        assertEquals(100, cold.path("usage").path("prompt_tokens").asInt(), cold.toString());
        assertEquals(0, cold.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt(-1), cold.toString());
        String stream = post("/v1/completions", body + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}", KEY).body();
        JsonNode usage = null;
        for (String line : stream.split("\n")) {
            if (line.startsWith("data: {") && line.contains("\"usage\"")) {
                usage = JSON.readTree(line.substring(6)).get("usage");
            }
        }
        assertTrue(usage != null, stream);
        assertEquals(96, usage.path("prompt_tokens_details").path("cached_tokens").asInt(), "six whole blocks: " + usage);
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.matches("(?s).*glint_prefix_cache_hits_total [1-9][0-9]+\n.*"), metrics);
        assertTrue(metrics.matches("(?s).*glint_prefix_cache_queries_total [1-9][0-9]+\n.*"), metrics);
    }

    private static HttpResponse<String> post(String path, String body, String key) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> response, int status, String... fragments) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertTrue(error != null && error.has("message") && error.has("type"), response.body());
        assertTrue(!response.body().contains("Exception") && !response.body().contains("jackson"), "no internals: " + response.body());
        for (String fragment : fragments) {
            assertTrue(error.get("message").asText().contains(fragment), "expected '" + fragment + "' in " + response.body());
        }
    }

    @Test
    void badRequestsGetOpenAiShapedErrorsAndTheServerStaysHealthy() throws Exception {
        String hello = "{\"model\":\"glm-nano\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]";
        assertError(post("/v1/chat/completions", "{\"messages\": [", KEY), 400, "not valid JSON");
        // Jackson's stream limits and duplicate keys: 400s that say what, never a 500 or parser internals.
        assertError(post("/v1/chat/completions", "{\"messages\":" + "[".repeat(1500) + "]".repeat(1500) + "}", KEY), 400,
                "nested deeper than 1000");
        assertError(post("/v1/chat/completions", "{\"max_tokens\":" + "9".repeat(1200) + "}", KEY), 400, "more than 1000 digits");
        assertError(post("/v1/chat/completions", "{\"messages\":\"" + "x".repeat(21_000_000) + "\"}", KEY), 400,
                "more than 20000000 characters");
        assertError(post("/v1/chat/completions", hello + ",\"model\":\"glm-nano\"}", KEY), 400, "Duplicate field 'model'");
        assertError(post("/v1/chat/completions", hello + ",\"temperature\":\"hot\"}", KEY), 400, "temperature");
        assertError(post("/v1/chat/completions", hello + ",\"stream_options\":{\"include_usage\":\"yes\"}}", KEY), 400,
                "stream_options.include_usage must be true or false");
        // The request limits, each named with its flag.
        assertError(post("/v1/chat/completions", hello + ",\"stop\":[" + "\"a\",".repeat(16) + "\"b\"]}", KEY), 400,
                "17 strings", "--max-stops");
        assertError(post("/v1/chat/completions", hello + ",\"n\":17}", KEY), 400, "17", "--max-choices");
        assertError(post("/v1/chat/completions", hello + ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
                + "{\"name\":\"x\",\"schema\":{\"description\":\"" + "d".repeat(70_000) + "\"}}}}", KEY), 400, "--max-schema-chars");
        HttpResponse<String> invalidUtf8 = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[]{'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '(', '"', '}'})).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(invalidUtf8, 400, "UTF-8");
        assertError(post("/v1/chat/completions", hello + ",\"max_tokens\":5000}", KEY), 400, "5000", "2048");
        assertError(post("/v1/chat/completions", "{\"model\":\"gpt-9\",\"messages\":[]}", KEY), 404, "gpt-9");
        assertError(post("/v1/chat/completions", hello + "}", null), 401);
        assertError(post("/v1/chat/completions", hello + "}", "wrong"), 401);
        assertError(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"critic\",\"content\":\"x\"}]}", KEY), 400, "critic");
        assertError(post("/v1/chat/completions", "{\"messages\":\"" + "x".repeat(HttpLimits.DEFAULTS.maxBodyBytes()) + "\"}", KEY), 413);
        assertError(post("/v1/responses", "{\"input\":\"" + "x".repeat(HttpLimits.DEFAULTS.maxBodyBytes()) + "\"}", KEY), 413);
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("The capital of Brazil is Brasilia.",
                client.chat().completions().create(ask("Which city is the capital of Brazil?", false).build())
                        .choices().getFirst().message().content().orElse(""));
    }

    @Test
    void aFullQueueAnswers429AndADrainingServer503InEachProtocolsShape() throws Exception {
        try (ServedModel one = ServedModel.load(Path.of("../models/glm-nano"), new ServedModel.Options("glm-nano", 1, 2048, 1, 256, 0))) {
            OpenAiServer small = OpenAiServer.start(one, "127.0.0.1", 0, null);
            String url = "http://127.0.0.1:" + small.port() + "/v1/chat/completions";
            // A prompt of about 1,400 tokens keeps the slot busy for many steps while the other requests arrive.
            String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "Hello ".repeat(700) + "\"}],\"max_tokens\":500,"
                    + "\"stream\":true,\"chat_template_kwargs\":{\"enable_thinking\":false}}";
            HttpClient http = HttpClient.newHttpClient();
            // A streamed answer's headers come once the request holds the only slot, so the next one has none.
            HttpResponse<InputStream> busy = http.send(HttpRequest.newBuilder(URI.create(url))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, busy.statusCode());
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(url))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertError(refused, 429, "retry");
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
            String messagesUrl = url.replace("/chat/completions", "/messages");
            String message = "{\"model\":\"glm-nano\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
            HttpResponse<String> refusedMessage = http.send(HttpRequest.newBuilder(URI.create(messagesUrl))
                    .POST(HttpRequest.BodyPublishers.ofString(message)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(429, refusedMessage.statusCode(), refusedMessage.body());
            assertEquals("rate_limit_error", JSON.readTree(refusedMessage.body()).at("/error/type").asText(), "Anthropic's shape");
            String responsesUrl = url.replace("/chat/completions", "/responses");
            String response = "{\"model\":\"glm-nano\",\"input\":\"Hi\",\"max_output_tokens\":5}";
            assertError(http.send(HttpRequest.newBuilder(URI.create(responsesUrl)).POST(HttpRequest.BodyPublishers.ofString(response))
                    .build(), HttpResponse.BodyHandlers.ofString()), 429, "retry");
            small.drain();
            assertError(http.send(HttpRequest.newBuilder(URI.create(responsesUrl)).POST(HttpRequest.BodyPublishers.ofString(response))
                    .build(), HttpResponse.BodyHandlers.ofString()), 503, "shutting down");
            HttpResponse<String> drainingMessage = http.send(HttpRequest.newBuilder(URI.create(messagesUrl))
                    .POST(HttpRequest.BodyPublishers.ofString(message)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, drainingMessage.statusCode(), drainingMessage.body());
            assertEquals("overloaded_error", JSON.readTree(drainingMessage.body()).at("/error/type").asText(), "Anthropic's shape");
            HttpResponse<String> draining = http.send(HttpRequest.newBuilder(URI.create(url))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertError(draining, 503, "shutting down");
            String stream = new String(busy.body().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(stream.strip().endsWith("data: [DONE]"), "the running request finishes while the server drains: " + stream);
            small.close();
        }
    }

    @Test
    void sixteenConcurrentStreamsSomeCancelledAllOthersCorrect() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                boolean cancel = i % 4 == 3;
                answers.add(pool.submit(() -> {
                    StringBuilder content = new StringBuilder();
                    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                            .createStreaming(ask("Which city is the capital of Brazil?", false).build())) {
                        var chunks = stream.stream().iterator();
                        int seen = 0;
                        while (chunks.hasNext()) {
                            chunks.next().choices().forEach(c -> c.delta().content().ifPresent(content::append));
                            if (cancel && ++seen == 3) {
                                return null;
                            }
                        }
                    }
                    return content.toString();
                }));
            }
            for (int i = 0; i < answers.size(); i++) {
                String answer = answers.get(i).get();
                if (i % 4 != 3) {
                    assertEquals("The capital of Brazil is Brasilia.", answer, "stream " + i);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        String metrics = "";
        for (int attempt = 0; attempt < 50 && !metrics.contains("glint_requests_running 0\n"); attempt++) {
            Thread.sleep(100);
            metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
        assertTrue(metrics.contains("glint_requests_running 0\n"), "cancelled streams free their slots:\n" + metrics);
        assertTrue(metrics.contains("glint_kv_cache_bytes 0\n"), "and their KV caches:\n" + metrics);
        assertTrue(metrics.matches("(?s).*glint_time_to_first_token_seconds_count [1-9][0-9]*\n.*"), metrics);
        assertTrue(metrics.matches("(?s).*glint_inter_token_latency_seconds_count [1-9][0-9]*\n.*"), metrics);
        assertEquals("glm-nano", client.models().list().data().getFirst().id());
    }

    /** The same flow with the official Node SDK (scripts/openai-node-e2e), when node and npm are installed. */
    @Test
    void officialNodeSdkStreamsAToolCallRoundTrip() throws Exception {
        Path script = NodeClients.installed("openai-node-e2e", "openai");
        NodeClients.Result e2e = NodeClients.run(script, Map.of("GLINT_URL", base + "/v1", "GLINT_API_KEY", KEY), 120,
                "node", "e2e.mjs");
        assertEquals(0, e2e.exitCode(), e2e.output());
    }
}
