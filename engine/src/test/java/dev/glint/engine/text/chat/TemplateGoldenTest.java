package dev.glint.engine.text.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.glint.engine.text.chat.TextDiff.assertSameText;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte parity with an independent Jinja implementation: goldens rendered by @huggingface/jinja
 * (scripts/template-goldens) from OpenAI requests for four GLM-4.5/4.6 templates, and from raw template
 * variables for the Qwen3 and DeepSeek-V3 templates their tokenizer packages ship.
 */
class TemplateGoldenTest {
    private static final Path ROOT = Path.of("..");
    private static final Path GOLDENS = Path.of("src/test/resources/chat/goldens");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> glmRequestsRenderAsHuggingFaceJinjaRendersThem() throws IOException {
        ChatTemplate glmNano = ChatTemplate.load(ROOT.resolve("models/glm-nano"));
        Map<String, String> glmTokens = Map.of("eos_token", "<|endoftext|>", "pad_token", "<|endoftext|>");
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : List.of("glm-nano.json", "glm-4.6-hf.json", "glm-4.6-llamacpp.json", "glm-4.5-llamacpp.json")) {
            JsonNode golden = read(file);
            ChatTemplate template = file.equals("glm-nano.json") ? glmNano
                    : ChatTemplate.of(Files.readString(ROOT.resolve(golden.get("template").asText())), glmTokens);
            assertTrue(golden.get("cases").size() >= 40, file + " has at least 40 conversations");
            for (JsonNode c : golden.get("cases")) {
                String name = file + " " + c.get("name").asText();
                tests.add(DynamicTest.dynamicTest(name, () ->
                        assertSameText(c.get("prompt").asText(), template.apply(c.get("request")).text(), name)));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> qwen3AndDeepSeekTemplatesRenderAsHuggingFaceJinjaRendersThem() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : List.of("qwen3.json", "deepseek-v3.json")) {
            JsonNode golden = read(file);
            ChatTemplate template = ChatTemplate.load(ROOT.resolve(golden.get("template").asText()).getParent());
            for (JsonNode c : golden.get("cases")) {
                String name = file + " " + c.get("name").asText();
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    Map<String, Object> variables = new LinkedHashMap<>();
                    c.get("context").properties().forEach(e -> variables.put(e.getKey(), e.getValue()));
                    assertSameText(c.get("prompt").asText(), template.render(variables), name);
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> glm46ExamplesRenderAsPythonJinja2RendersThem() throws IOException {
        JsonNode golden = read("glm-4.6-hf.python-jinja2.json");
        ChatTemplate template = ChatTemplate.of(Files.readString(Path.of("src/test/resources/chat/templates/glm-4.6-hf.jinja")), Map.of());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : golden.get("cases")) {
            String name = c.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                Map<String, Object> variables = new LinkedHashMap<>();
                c.get("inputs").properties().forEach(e -> variables.put(e.getKey(), e.getValue()));
                assertSameText(c.get("rendered").asText(), template.render(variables), name);
            }));
        }
        return tests.stream();
    }

    private static JsonNode read(String file) throws IOException {
        return JSON.readTree(GOLDENS.resolve(file).toFile());
    }
}
