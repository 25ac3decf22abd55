package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Anthropic's own clients, installed from the npm registry (scripts/anthropic-e2e), against a real glint serve: the
 * TypeScript SDK, and Claude Code ({@code claude -p}) with a short prompt and with its full ~20K-token default one.
 */
class AnthropicClientsTest {
    private static final String KEY = "sk-glint-test";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path NANO = Path.of("../models/glm-nano");

    @Test
    void officialSdkCreatesStreamsCallsToolsAndCountsTokens() throws Exception {
        Path script = NodeClients.installed("anthropic-e2e", "@anthropic-ai/sdk");
        try (ServedModel served = ServedModel.load(NANO, new ServedModel.Options("glm-nano,claude-*", 2, 2048, 8, 256, 64));
             OpenAiServer server = OpenAiServer.start(served, "127.0.0.1", 0, KEY)) {
            NodeClients.Result e2e = NodeClients.run(script,
                    Map.of("GLINT_URL", "http://127.0.0.1:" + server.port(), "GLINT_API_KEY", KEY), 120, "node", "sdk.mjs");
            assertEquals(0, e2e.exitCode(), e2e.output());
        }
    }

    /**
     * Claude Code with a one-line system prompt and no tools, so the exchange fits glm-nano's trained 2,048
     * positions. Claude Code always asks for thinking, which glm-nano does not get out of on Claude Code's prompt:
     * the server turns it off, as a deployment for such clients does ({@code --thinking off}); and it sends no
     * temperature, so a greedy copy of glm-nano answers, from a working directory that stays the same. Its result is
     * the text Glint generated, as the usage it reports shows.
     */
    @Test
    void claudeCodeAnswersAShortPromptWithTheModelsText(@TempDir Path home, @TempDir Path greedyNano) throws Exception {
        Path script = NodeClients.installed("anthropic-e2e", "@anthropic-ai/claude-code");
        Path work = Files.createDirectories(Path.of("target/claude-code-work").toAbsolutePath());
        try (ServedModel served = ServedModel.load(GlmNanoCopies.greedy(greedyNano),
                new ServedModel.Options("glm-nano,claude-*", 2, 2048, 8, 256, 64).withThinking(false));
             OpenAiServer server = OpenAiServer.start(served, "127.0.0.1", 0, KEY)) {
            JsonNode result = claude(script, home, work, server.port(), 300,
                    "What is 37 + 45?", "--system-prompt", "You are a helpful assistant.", "--tools", "");
            assertFalse(result.path("result").asText().isBlank(), "the model's text: " + result);
            Map<String, Long> counted = metrics(server.port());
            assertEquals(counted.get("glint_generation_tokens_total"), result.at("/usage/output_tokens").asLong(),
                    "Claude Code's output tokens are the tokens Glint generated: " + result);
            assertEquals(counted.get("glint_prompt_tokens_total") + counted.get("glint_prefix_cache_hits_total"),
                    result.at("/usage/input_tokens").asLong() + result.at("/usage/cache_read_input_tokens").asLong(),
                    "and its input tokens the prompt tokens Glint read: " + result);
        }
    }

    /**
     * Claude Code as it comes: its ~20K-token system prompt, 20-odd tools, system notes inside messages, cache_control
     * everywhere, against {@link GlmNanoCopies#longContext}: the exchange completes.
     */
    @Test
    void claudeCodeCompletesWithItsFullDefaultPrompt(@TempDir Path home, @TempDir Path longNano) throws Exception {
        Path script = NodeClients.installed("anthropic-e2e", "@anthropic-ai/claude-code");
        try (ServedModel served = ServedModel.load(GlmNanoCopies.longContext(longNano),
                new ServedModel.Options("glm-nano,claude-*", 2, GlmNanoCopies.LONG_CONTEXT, 8, 2048, 64).withThinking(false));
             OpenAiServer server = OpenAiServer.start(served, "127.0.0.1", 0, KEY)) {
            JsonNode result = claude(script, home, home, server.port(), 540, "What is 37 + 45?");
            assertTrue(result.at("/usage/input_tokens").asLong() + result.at("/usage/cache_read_input_tokens").asLong() > 10_000,
                    "Claude Code's own prompt is long: " + result);
        }
    }

    /** Runs {@code claude -p QUESTION --output-format json ARGS} in {@code work} against the server; it must succeed. */
    private static JsonNode claude(Path script, Path home, Path work, int port, int timeoutSeconds, String question,
                                   String... args)
            throws Exception {
        Map<String, String> environment = new HashMap<>(Map.of(
                "HOME", home.toString(),
                "ANTHROPIC_BASE_URL", "http://127.0.0.1:" + port,
                "ANTHROPIC_API_KEY", KEY,
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1",
                "DISABLE_AUTOUPDATER", "1"));
        String[] command = new String[4 + args.length];
        command[0] = script.resolve("node_modules/.bin/claude").toString();
        command[1] = "-p";
        command[2] = question;
        command[3] = "--output-format=json";
        System.arraycopy(args, 0, command, 4, args.length);
        NodeClients.Result run = NodeClients.run(work, environment, timeoutSeconds, command);
        assertEquals(0, run.exitCode(), run.output());
        JsonNode result = null;
        for (String line : run.output().split("\n")) {
            if (line.startsWith("{") && line.contains("\"type\":\"result\"")) {
                result = JSON.readTree(line);
            }
        }
        assertTrue(result != null, "a JSON result line: " + run.output());
        assertEquals("success", result.path("subtype").asText(), result.toString());
        assertFalse(result.path("is_error").asBoolean(), result.toString());
        return result;
    }

    private static Map<String, Long> metrics(int port) throws IOException, InterruptedException {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("x-api-key", KEY).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Long> values = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] parts = line.split(" ");
            if (!line.startsWith("#") && parts.length == 2 && !parts[0].contains("{")) {
                values.put(parts[0], (long) Double.parseDouble(parts[1]));
            }
        }
        return values;
    }
}
