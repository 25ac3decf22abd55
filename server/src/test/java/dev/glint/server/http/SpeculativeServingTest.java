package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import dev.glint.engine.speculative.Speculation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * glint serve --speculative mtp on glm-nano-mtp, whose checkpoint has an MTP layer: answers are the reference's, and
 * usage and /metrics count the drafts.
 */
class SpeculativeServingTest {
    private static final Path GLM_NANO_MTP = Path.of("../models/glm-nano-mtp");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServedModel served;
    private static OpenAiServer server;
    private static OpenAIClient client;
    private static String base;

    @BeforeAll
    static void start() throws InterruptedException {
        served = ServedModel.load(GLM_NANO_MTP, new ServedModel.Options("glm-nano", 2, 2048, 8, 256, 64)
                .withSpeculation(Speculation.mtp()));
        server = OpenAiServer.start(served, "127.0.0.1", 0, null);
        base = "http://127.0.0.1:" + server.port();
        client = OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        served.close();
    }

    @Test
    void speculationIsOffUnlessAskedForEvenWithAnMtpLayer() {
        try (ServedModel plain = ServedModel.load(GLM_NANO_MTP, new ServedModel.Options("glm-nano", 1, 256, 1, 256, 0))) {
            assertEquals(Speculation.NONE, plain.scheduler().speculation());
        }
        assertEquals(Speculation.mtp(), served.scheduler().speculation());
    }

    @Test
    void usageAndMetricsCountTheDraftsAndTheOnesThatHeld() throws Exception {
        ChatCompletion answer = client.chat().completions().create(ChatCompletionCreateParams.builder().model("glm-nano")
                .addUserMessage("What is the capital of France?").temperature(0.0).maxCompletionTokens(200).build());
        assertEquals("The capital of France is Paris.", answer.choices().getFirst().message().content().orElse(""));
        CompletionUsage usage = answer.usage().orElseThrow();
        CompletionUsage.CompletionTokensDetails details = usage.completionTokensDetails().orElseThrow();
        long accepted = details.acceptedPredictionTokens().orElseThrow();
        long rejected = details.rejectedPredictionTokens().orElseThrow();
        System.out.printf("served with MTP drafts: %d completion tokens, %d drafts held, %d did not%n",
                usage.completionTokens(), accepted, rejected);
        // One draft per step after the first token; a held draft adds a token to its step.
        assertTrue(accepted > 0 && accepted < usage.completionTokens(), usage.toString());
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(counter(metrics, "glint_spec_decode_accepted_tokens_total") >= accepted, metrics);
        assertTrue(counter(metrics, "glint_spec_decode_draft_tokens_total") >= accepted + rejected, metrics);
    }

    /** Every fourth eval conversation the reference answers correctly gets the reference's answer with drafts on. */
    @Test
    void evalConversationsGetTheReferenceAnswersWithDrafts() throws Exception {
        JsonNode items = EvalConversations.items();
        List<String> wrong = new ArrayList<>();
        int asked = 0;
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < items.size(); i += 4) {
            JsonNode item = items.get(i);
            if (!item.path("correct").asBoolean()) {
                continue;
            }
            asked++;
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(EvalConversations.chatRequest(item).toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode message = JSON.readTree(response.body()).at("/choices/0/message");
            JsonNode expected = item.get("parsed");
            if (!message.path("content").asText("").equals(expected.path("content").asText(""))
                    || !message.path("reasoning_content").asText("").equals(expected.path("reasoning_content").asText(""))
                    || !EvalConversations.referenceToolCalls(message.path("tool_calls"), true)
                    .equals(EvalConversations.referenceToolCalls(expected.path("tool_calls"), false))) {
                wrong.add("item " + item.get("id") + ": " + message);
            }
        }
        System.out.printf("HTTP chat with MTP drafts: %d/%d correctly answered eval items answered the same%n",
                asked - wrong.size(), asked);
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + asked + " differ; first: " + wrong.stream().limit(2).toList());
    }

    @Test
    void mtpForACheckpointWithoutTheLayerIsRefusedWithTheReason() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> ServedModel.load(
                Path.of("../models/glm-nano"),
                new ServedModel.Options("glm-nano", 1, 256, 1, 256, 0).withSpeculation(Speculation.mtp())));
        assertTrue(refused.getMessage().contains("no multi-token-prediction layer"), refused.getMessage());
    }

    private static long counter(String metrics, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + " (\\d+)$").matcher(metrics);
        assertTrue(matcher.find(), name + " in " + metrics);
        return Long.parseLong(matcher.group(1));
    }
}
