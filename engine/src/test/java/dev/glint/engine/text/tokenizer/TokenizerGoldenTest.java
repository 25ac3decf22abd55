package dev.glint.engine.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static dev.glint.engine.GlmNanoEval.ids;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ids and decoded text against Hugging Face's own tokenizers (Rust, via npm; scripts/tokenizer-goldens regenerates
 * the goldens) for glm-nano's tokenizer and the real Qwen3 and DeepSeek-V3 ones: Unicode, CJK, emoji, digit and
 * whitespace runs, code, special tokens inside text.
 */
class TokenizerGoldenTest {
    private static final Path GOLDENS = Path.of("src/test/resources/tokenizer");

    private static Tokenizer tokenizer(String name) throws IOException {
        if (name.equals("glm-nano")) {
            return Tokenizer.load(Path.of("../models/glm-nano"));
        }
        Path file = GOLDENS.resolve(name + ".tokenizer.json.gz");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return Tokenizer.read(in, file.toString());
        }
    }

    private static String show(String text) {
        return text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    @ParameterizedTest
    @ValueSource(strings = {"glm-nano", "qwen3", "deepseek-v3"})
    void idsAndDecodedTextEqualHuggingFaceTokenizers(String name) throws IOException {
        Tokenizer tokenizer = tokenizer(name);
        JsonNode cases = new ObjectMapper().readTree(GOLDENS.resolve(name + ".goldens.json").toFile()).get("cases");
        assertTrue(cases.size() >= 300, name + " goldens hold " + cases.size() + " strings");
        List<String> wrong = new ArrayList<>();
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] expected = ids(c.get("ids"));
            int[] actual = tokenizer.encode(text);
            if (!Arrays.equals(expected, actual)) {
                wrong.add("'" + show(text) + "': expected " + Arrays.toString(expected) + " got " + Arrays.toString(actual));
            }
            String decoded = tokenizer.decode(expected, false);
            if (!decoded.equals(c.get("decoded").asText())) {
                wrong.add("'" + show(text) + "' decodes to '" + show(decoded) + "', not '" + show(c.get("decoded").asText()) + "'");
            }
            if (name.equals("glm-nano") && !tokenizer.decode(actual, false).equals(text)) {
                wrong.add("'" + show(text) + "' does not survive encode then decode");
            }
        }
        System.out.printf("%s tokenizer: %d/%d strings identical to Hugging Face tokenizers%n", name, cases.size() - wrong.size(), cases.size());
        assertTrue(wrong.isEmpty(), name + ": " + wrong.size() + " mismatches; first: " + wrong.stream().limit(4).toList());
    }
}
