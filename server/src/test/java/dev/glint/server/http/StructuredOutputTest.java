package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * response_format and text.format on glm-nano: every answer parses and validates against its schema, checked by an
 * independent validator (networknt json-schema-validator), not by the grammar that produced it.
 */
class StructuredOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory VALIDATORS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final String[] PROMPTS = {"What is 53 + 93?", "Tell me the weather for Austin.", "Name the capital of India."};
    private static final String[] SCHEMAS = {
            "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":20},\"age\":{\"type\":\"integer\"}},\"required\":[\"name\",\"age\"]}",
            "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":5}",
            "{\"enum\":[\"yes\",\"no\",\"maybe\"]}",
            "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"number\"}},\"required\":[\"answer\"]}",
            "{\"type\":\"boolean\"}",
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"temperature\":{\"type\":\"number\"},"
                    + "\"condition\":{\"enum\":[\"sunny\",\"rainy\",\"snowy\"]}},\"required\":[\"city\",\"temperature\",\"condition\"]}",
            "{\"type\":\"object\",\"properties\":{\"person\":{\"type\":\"object\",\"properties\":{\"first\":{\"type\":\"string\",\"maxLength\":10},"
                    + "\"last\":{\"type\":\"string\",\"maxLength\":10}},\"required\":[\"first\",\"last\"]},"
                    + "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":8},\"maxItems\":3}},\"required\":[\"person\"]}",
            "{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\",\"maxLength\":5}]}",
            "{\"$defs\":{\"point\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\"},\"y\":{\"type\":\"number\"}},\"required\":[\"x\",\"y\"]}},"
                    + "\"type\":\"object\",\"properties\":{\"from\":{\"$ref\":\"#/$defs/point\"},\"to\":{\"$ref\":\"#/$defs/point\"}},\"required\":[\"from\",\"to\"]}",
            "{\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"value\":{\"type\":\"integer\"},"
                    + "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},\"required\":[\"value\"]}}}",
            "{\"type\":\"array\",\"items\":{\"enum\":[\"a\",\"b\",\"c\"]},\"minItems\":2,\"maxItems\":4}",
            "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"},\"note\":{\"type\":[\"string\",\"null\"]}},\"required\":[\"ok\",\"note\"]}",
            "{\"const\":\"fixed\"}",
            "{\"type\":\"string\",\"minLength\":3,\"maxLength\":6}",
            "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}",
            "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"done\":{\"type\":\"boolean\"}},"
                    + "\"required\":[\"id\",\"done\"]},\"maxItems\":3}",
            "{\"type\":\"null\"}",
            "{\"type\":\"object\",\"properties\":{\"sum\":{\"type\":\"integer\"},\"steps\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":30},"
                    + "\"maxItems\":3}},\"required\":[\"sum\",\"steps\"]}",
            "{\"anyOf\":[{\"$ref\":\"#/definitions/a\"},{\"$ref\":\"#/definitions/b\"}],\"definitions\":{"
                    + "\"a\":{\"type\":\"object\",\"properties\":{\"kind\":{\"const\":\"a\"},\"n\":{\"type\":\"integer\"}},\"required\":[\"kind\",\"n\"]},"
                    + "\"b\":{\"type\":\"object\",\"properties\":{\"kind\":{\"const\":\"b\"},\"s\":{\"type\":\"string\",\"maxLength\":10}},\"required\":[\"kind\",\"s\"]}}}",
            "{}",
    };
    private static ServedModel served;
    private static OpenAiServer server;
    private static String base;

    @BeforeAll
    static void start() throws InterruptedException {
        served = ServedModel.load(Path.of("../models/glm-nano"), new ServedModel.Options("glm-nano", 2, 2048, 8, 256, 64));
        server = OpenAiServer.start(served, "127.0.0.1", 0, null);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
        served.close();
    }

    private static HttpResponse<String> post(String path, JsonNode body) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ObjectNode chat(String prompt, JsonNode format, int seed) {
        ObjectNode body = JSON.createObjectNode().put("model", "glm-nano").put("max_tokens", 60).put("seed", seed).put("n", 2);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        body.set("response_format", format);
        return body;
    }

    /** Problems with one answer: it does not parse, or the validator finds it breaks the schema. */
    private static String problems(String content, JsonNode schema) {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(content);
        } catch (IOException e) {
            return "does not parse (" + e.getMessage() + ")";
        }
        if (parsed == null) {
            return "is empty";
        }
        Set<ValidationMessage> errors = VALIDATORS.getSchema(schema).validate(parsed);
        return errors.isEmpty() ? null : "breaks the schema: " + errors;
    }

    /** 20 schemas × 3 prompts × 2 choices, sampled at the model's temperature, 60 tokens at most: all valid. */
    @Test
    void everyAnswerToTwentySchemasParsesAndValidates() throws Exception {
        List<String> wrong = new ArrayList<>();
        int answers = 0;
        for (int s = 0; s < SCHEMAS.length; s++) {
            JsonNode schema = JSON.readTree(SCHEMAS[s]);
            ObjectNode format = JSON.createObjectNode().put("type", "json_schema");
            format.putObject("json_schema").put("name", "schema" + s).put("strict", true).set("schema", schema);
            for (int p = 0; p < PROMPTS.length; p++) {
                HttpResponse<String> response = post("/v1/chat/completions", chat(PROMPTS[p], format, 100 * s + p));
                assertEquals(200, response.statusCode(), response.body());
                for (JsonNode choice : JSON.readTree(response.body()).get("choices")) {
                    answers++;
                    String content = choice.at("/message/content").asText();
                    String problem = problems(content, schema);
                    if (problem != null) {
                        wrong.add("schema " + s + ", prompt " + p + ": " + content + " " + problem);
                    }
                }
            }
        }
        System.out.printf("structured output: %d/%d answers to %d schemas parse and validate%n",
                answers - wrong.size(), answers, SCHEMAS.length);
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + answers + " invalid: " + wrong.stream().limit(3).toList());
    }

    @Test
    void jsonObjectAlwaysParsesAsAnObject() throws Exception {
        for (int p = 0; p < PROMPTS.length; p++) {
            JsonNode response = JSON.readTree(post("/v1/chat/completions",
                    chat(PROMPTS[p], JSON.createObjectNode().put("type", "json_object"), p)).body());
            for (JsonNode choice : response.get("choices")) {
                assertTrue(JSON.readTree(choice.at("/message/content").asText()).isObject(), response.toString());
            }
        }
    }

    @Test
    void theResponsesApiTakesItsSchemaInTextFormat() throws Exception {
        JsonNode schema = JSON.readTree(SCHEMAS[5]);
        ObjectNode body = JSON.createObjectNode().put("model", "glm-nano").put("input", "Tell me the weather for Austin.")
                .put("max_output_tokens", 60);
        body.putObject("text").putObject("format").put("type", "json_schema").put("name", "weather").set("schema", schema);
        JsonNode response = JSON.readTree(post("/v1/responses", body).body());
        String text = response.at("/output/0/content/0/text").asText();
        assertEquals(null, problems(text, schema), response.toString());
    }

    /** The same request with and without strict: glm-nano's own choice, then the schema's. */
    @Test
    void aStrictToolsArgumentsAreHeldToItsSchema() throws Exception {
        JsonNode parameters = JSON.readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"enum\":[\"Paris\",\"Lima\"]}},"
                + "\"required\":[\"city\"]}");
        for (String mode : new String[]{"free", "strict", "strict and forced"}) {
            boolean strict = !mode.equals("free");
            ObjectNode body = JSON.createObjectNode().put("model", "glm-nano").put("temperature", 0);
            body.putArray("messages").addObject().put("role", "user").put("content", "Tell me the weather for Austin.");
            body.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "get_weather")
                    .put("strict", strict).set("parameters", parameters);
            if (mode.equals("strict and forced")) {
                // tool_choice opens the call in the prompt: the constraint starts inside it.
                body.putObject("tool_choice").put("type", "function").putObject("function").put("name", "get_weather");
            }
            JsonNode response = JSON.readTree(post("/v1/chat/completions", body).body());
            JsonNode arguments = JSON.readTree(response.at("/choices/0/message/tool_calls/0/function/arguments").asText());
            if (strict) {
                assertEquals(null, problems(arguments.toString(), parameters), response.toString());
            } else {
                assertEquals("Austin", arguments.path("city").asText(), "without strict the model's own choice: " + response);
            }
        }
    }

    /** Every fifth eval conversation with tools, its tools made strict: every call's arguments validate. */
    @Test
    void everyStrictToolCallOfTheEvalConversationsValidates() throws Exception {
        List<String> wrong = new ArrayList<>();
        int calls = 0;
        int asked = 0;
        JsonNode items = EvalConversations.items();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if (!item.hasNonNull("tools") || asked++ % 5 != 0) {
                continue;
            }
            ObjectNode body = EvalConversations.chatRequest(item);
            body.get("tools").forEach(tool -> ((ObjectNode) tool.get("function")).put("strict", true));
            JsonNode response = JSON.readTree(post("/v1/chat/completions", body).body());
            for (JsonNode call : response.at("/choices/0/message/tool_calls")) {
                calls++;
                String name = call.at("/function/name").asText();
                JsonNode parameters = null;
                for (JsonNode tool : body.get("tools")) {
                    parameters = tool.at("/function/name").asText().equals(name) ? tool.at("/function/parameters") : parameters;
                }
                String problem = parameters == null ? "calls an undeclared tool" : problems(call.at("/function/arguments").asText(), parameters);
                if (problem != null) {
                    wrong.add("item " + item.get("id") + ": " + call + " " + problem);
                }
            }
        }
        System.out.printf("strict tools: %d/%d calls validate%n", calls - wrong.size(), calls);
        assertTrue(calls > 20, "the conversations call tools: " + calls);
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + calls + " invalid: " + wrong.stream().limit(3).toList());
    }

    @Test
    void aKeywordTheGrammarCannotEnforceIsA400NamingIt() throws Exception {
        ObjectNode format = JSON.createObjectNode().put("type", "json_schema");
        format.putObject("json_schema").put("name", "x").set("schema",
                JSON.readTree("{\"type\":\"object\",\"properties\":{\"email\":{\"type\":\"string\",\"format\":\"email\"}}}"));
        HttpResponse<String> refused = post("/v1/chat/completions", chat(PROMPTS[0], format, 0));
        assertEquals(400, refused.statusCode(), refused.body());
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertEquals("response_format", error.get("param").asText());
        assertTrue(error.get("message").asText().contains("'format'"), refused.body());
        assertTrue(error.get("message").asText().contains("#/properties/email"), "and where: " + refused.body());
    }
}
