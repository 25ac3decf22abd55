package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random mutations of valid requests of each protocol — wrong types, huge and odd numbers, deep nesting, removed
 * fields, duplicate keys, invalid UTF-8, truncation, random bytes — sent to a real server: never a 5xx, never a hang
 * (each answer within {@link #ANSWERED_WITHIN}), every refusal in its protocol's error shape with no class names or
 * stack frames in it, and a valid request right after still answered exactly as before.
 */
class RequestFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A mutated request that turned out valid may generate up to the context's 2,048 tokens: seconds, not minutes. */
    private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(60);
    private static final String CHECK = "{\"model\": \"glm-nano\", \"messages\": [{\"role\": \"user\", \"content\": "
            + "\"Name the capital of India.\"}], \"temperature\": 0, \"max_tokens\": 12, "
            + "\"chat_template_kwargs\": {\"enable_thinking\": false}}";
    /** Stands for a deeply nested array until the body is written. */
    private static final String DEEP = "deep-nesting-goes-here";
    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
    private static ServedModel served;
    private static OpenAiServer server;
    private static HttpClient http;
    private static String expected;

    /** A valid request of each protocol, the seeds of the mutations. */
    private enum Seed {
        CHAT("/v1/chat/completions", "{\"model\": \"glm-nano\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, "
                + "{\"role\": \"user\", \"content\": \"Hello\"}], \"max_tokens\": 8, \"temperature\": 0.5, \"top_p\": 0.9, "
                + "\"stop\": [\"\\n\\n\"], \"n\": 1, \"seed\": 3, \"logprobs\": true, \"top_logprobs\": 2, \"stream\": false, "
                + "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"add\", \"parameters\": {\"type\": \"object\", "
                + "\"properties\": {\"a\": {\"type\": \"integer\"}}}}}], \"tool_choice\": \"auto\", "
                + "\"response_format\": {\"type\": \"text\"}, \"logit_bias\": {\"10\": -5}}"),
        COMPLETIONS("/v1/completions", "{\"model\": \"glm-nano\", \"prompt\": \"Once upon a time\", \"max_tokens\": 8, "
                + "\"temperature\": 1, \"stop\": \"\\n\", \"logprobs\": 2, \"echo\": false, \"stream\": true}"),
        MESSAGES("/v1/messages", "{\"model\": \"glm-nano\", \"max_tokens\": 8, \"system\": [{\"type\": \"text\", \"text\": \"Be brief.\"}], "
                + "\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Hello\"}]}], "
                + "\"stop_sequences\": [\"END\"], \"stream\": true, \"tools\": [{\"name\": \"add\", \"input_schema\": "
                + "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}}}], \"thinking\": {\"type\": \"disabled\"}}"),
        RESPONSES("/v1/responses", "{\"model\": \"glm-nano\", \"instructions\": \"Be brief.\", \"input\": [{\"role\": \"user\", "
                + "\"content\": [{\"type\": \"input_text\", \"text\": \"Hello\"}]}], \"max_output_tokens\": 8, \"stream\": false, "
                + "\"reasoning\": {\"effort\": \"low\"}, \"text\": {\"format\": {\"type\": \"text\"}}}"),
        TOKENIZE("/tokenize", "{\"content\": \"Hello, world\"}"),
        DETOKENIZE("/detokenize", "{\"tokens\": [1482, 1484, 10, 490]}");

        final String path;
        final String body;

        Seed(String path, String body) {
            this.path = path;
            this.body = body;
        }
    }

    private enum Mutation { WRONG_TYPE, REMOVED, DEEP_NESTING, DUPLICATE_KEY, INVALID_UTF8, HUGE_NUMBER, TRUNCATED, RANDOM_BYTES }

    @BeforeContainer
    static void start() throws Exception {
        served = ServedModel.load(Path.of("../models/glm-nano"), new ServedModel.Options("glm-nano", 2, 2048, 4, 256, 64));
        server = OpenAiServer.start(served, "127.0.0.1", 0, null, HttpLimits.DEFAULTS,
                new ServerLog(new PrintStream(LOG, true, StandardCharsets.UTF_8)));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        expected = answer();
        assertTrue(expected.contains("New Delhi"), expected);
    }

    @AfterContainer
    static void stop() {
        server.close();
        served.close();
        String errors = LOG.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("level=error")).toList().toString();
        assertEquals("[]", errors, "the fuzzed requests logged server errors");
    }

    @Property(tries = 1000, shrinking = ShrinkingMode.OFF)
    void aMutatedRequestIsAnsweredOrRefusedInItsProtocolsShapeAndTheNextIsAnsweredExactly(
            @ForAll Seed seed, @ForAll Mutation mutation, @ForAll @IntRange(min = 1, max = 3) int times, @ForAll long randomSeed)
            throws Exception {
        Statistics.collect(seed, mutation);
        Random random = new Random(randomSeed);
        byte[] body = mutate(seed.body, mutation, times, random);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base() + seed.path))
                .timeout(ANSWERED_WITHIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        String sent = new String(body, StandardCharsets.UTF_8);
        String shown = sent.length() > 300 ? sent.substring(0, 300) + "…" : sent;
        assertTrue(response.statusCode() < 500, response.statusCode() + " for " + shown + ": " + response.body());
        if (response.statusCode() >= 400) {
            JsonNode error = JSON.readTree(response.body());
            JsonNode message = error.at("/error/message");
            assertTrue(message.isTextual() && !message.asText().isBlank(), "no error message for " + shown + ": " + response.body());
            if (seed == Seed.MESSAGES) {
                assertEquals("error", error.path("type").asText(), response.body());
            }
            for (String internal : List.of("Exception", "\tat ", "com.fasterxml", "dev.glint", "io.netty", "REDACTED")) {
                assertTrue(!response.body().contains(internal), "'" + internal + "' in " + response.body());
            }
        }
        assertEquals(expected, answer(), "the valid request after " + shown);
    }

    private static String base() {
        return "http://127.0.0.1:" + server.port();
    }

    private static String answer() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base() + "/v1/chat/completions"))
                .timeout(ANSWERED_WITHIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHECK)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).at("/choices/0/message/content").asText();
    }

    static byte[] mutate(String seedBody, Mutation mutation, int times, Random random) throws IOException {
        JsonNode tree = JSON.readTree(seedBody);
        return switch (mutation) {
            case WRONG_TYPE, REMOVED, DEEP_NESTING -> {
                for (int i = 0; i < times; i++) {
                    tree = replaceSomeNode(tree, random, mutation);
                }
                // Jackson will not write JSON nested deeper than 1,000: the nesting goes in as text.
                int depth = random.nextBoolean() ? 2000 : 200;
                yield JSON.writeValueAsString(tree).replace("\"" + DEEP + "\"", "[".repeat(depth) + "]".repeat(depth))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case DUPLICATE_KEY -> {
                List<String> names = new ArrayList<>();
                tree.fieldNames().forEachRemaining(names::add);
                String name = names.get(random.nextInt(names.size()));
                yield ("{\"" + name + "\": 1, " + seedBody.substring(1)).getBytes(StandardCharsets.UTF_8);
            }
            case INVALID_UTF8 -> {
                byte[] valid = seedBody.getBytes(StandardCharsets.UTF_8);
                byte[][] invalid = {{(byte) 0xFF}, {(byte) 0xC3, 0x28}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
                int at = random.nextInt(valid.length);
                byte[] bad = invalid[random.nextInt(invalid.length)];
                byte[] out = Arrays.copyOf(valid, valid.length + bad.length);
                System.arraycopy(bad, 0, out, at, bad.length);
                System.arraycopy(valid, at, out, at + bad.length, valid.length - at);
                yield out;
            }
            case HUGE_NUMBER -> {
                String digits = "9".repeat(1 + random.nextInt(2000));
                String text = seedBody.replaceFirst("\"max_(output_)?tokens\": 8", "\"max_$1tokens\": " + digits);
                yield text.getBytes(StandardCharsets.UTF_8);
            }
            case TRUNCATED -> Arrays.copyOf(seedBody.getBytes(StandardCharsets.UTF_8), random.nextInt(seedBody.length()));
            case RANDOM_BYTES -> {
                byte[] bytes = new byte[random.nextInt(300)];
                random.nextBytes(bytes);
                yield bytes;
            }
        };
    }

    /** The tree with one of its nodes (the root's fields included) replaced by an odd value, removed, or nested deep. */
    private static JsonNode replaceSomeNode(JsonNode root, Random random, Mutation mutation) {
        List<JsonNode> containers = new ArrayList<>();
        collectContainers(root, containers);
        JsonNode parent = containers.get(random.nextInt(containers.size()));
        if (parent.isEmpty()) {
            return root;
        }
        JsonNode replacement = mutation == Mutation.DEEP_NESTING ? JsonNodeFactory.instance.textNode(DEEP) : oddValue(random);
        if (parent instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            String name = names.get(random.nextInt(names.size()));
            if (mutation == Mutation.REMOVED) {
                object.remove(name);
            } else {
                object.set(name, replacement);
            }
        } else if (parent instanceof ArrayNode array) {
            int index = random.nextInt(array.size());
            if (mutation == Mutation.REMOVED) {
                array.remove(index);
            } else {
                array.set(index, replacement);
            }
        }
        return root;
    }

    private static void collectContainers(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            node.forEach(child -> collectContainers(child, out));
        }
    }

    private static JsonNode oddValue(Random random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        JsonNode[] values = {f.textNode("x"), f.textNode(""), f.textNode("\u0000\uFFFF\uD83D\uDE00"), f.textNode("y".repeat(100_000)),
                f.numberNode(0), f.numberNode(-1), f.numberNode(3.5), f.numberNode(1e308), f.numberNode(-1e-300),
                f.numberNode(Long.MAX_VALUE), f.numberNode(new BigInteger("-1" + "0".repeat(40))), f.booleanNode(true),
                f.nullNode(), f.arrayNode(), f.objectNode(), f.arrayNode().add(1).add("a").addNull(),
                f.objectNode().put("type", "function").put("role", "tool")};
        return values[random.nextInt(values.length)];
    }

}
