package dev.glint.engine.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.GlmNanoEval;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

import static dev.glint.engine.eval.EvalSet.ids;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ids and text against Hugging Face's own tokenizers (Rust, npm "tokenizers" 0.23.2; scripts/tokenizer-goldens
 * regenerates the goldens): glm-nano's tokenizer, the real Qwen3 and DeepSeek-V3 ones, and glm-nano variants that
 * use what those leave out (split behaviours, inversion, normalizers, added-token options, ignore_merges).
 */
class TokenizerGoldenTest {
    private static final Path RESOURCES = Path.of("src/test/resources/tokenizer");
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private static Tokenizer tokenizer(String name) {
        return TOKENIZERS.computeIfAbsent(name, n -> {
            try {
                if (n.equals("glm-nano")) {
                    return Tokenizer.load(GlmNanoEval.MODEL);
                }
                Path file = RESOURCES.resolve(n + ".tokenizer.json.gz");
                try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                    return Tokenizer.read(in, file.toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static JsonNode goldens(String name, String list) throws IOException {
        return new ObjectMapper().readTree(RESOURCES.resolve(name + ".goldens.json").toFile()).get(list);
    }

    private static String show(String text) {
        String shown = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return "'" + (shown.length() > 120 ? shown.substring(0, 120) + "…" : shown) + "'";
    }

    private static void assertNone(List<String> wrong, int of, String what) {
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + of + " " + what + "; first: " + String.join("\n", wrong.stream().limit(4).toList()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"glm-nano", "qwen3", "deepseek-v3"})
    void theRealTokenizersHaveAtLeast400GoldenStrings(String name) throws IOException {
        assertTrue(goldens(name, "cases").size() >= 400, name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"glm-nano", "qwen3", "deepseek-v3", "glm-nano-gpt2", "glm-nano-added-tokens", "glm-nano-splits", "glm-nano-inverted"})
    void encodeGivesTheIdsOfHuggingFace(String name) throws IOException {
        Tokenizer tokenizer = tokenizer(name);
        JsonNode cases = goldens(name, "cases");
        List<String> wrong = new ArrayList<>();
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] expected = ids(c.get("ids"));
            int[] actual = tokenizer.encode(text);
            if (!Arrays.equals(expected, actual)) {
                wrong.add(show(text) + ": expected " + Arrays.toString(expected) + " got " + Arrays.toString(actual));
            }
        }
        assertNone(wrong, cases.size(), name + " strings encode differently");
    }

    @ParameterizedTest
    @ValueSource(strings = {"glm-nano", "qwen3", "deepseek-v3", "glm-nano-gpt2", "glm-nano-added-tokens", "glm-nano-splits", "glm-nano-inverted"})
    void decodeGivesTheTextOfHuggingFaceWithAndWithoutSpecialTokens(String name) throws IOException {
        Tokenizer tokenizer = tokenizer(name);
        List<String> wrong = new ArrayList<>();
        JsonNode cases = goldens(name, "cases");
        for (JsonNode c : cases) {
            String decoded = tokenizer.decode(ids(c.get("ids")), false);
            if (!decoded.equals(c.get("decoded").asText())) {
                wrong.add(c.get("ids") + " decodes to " + show(decoded) + ", not " + show(c.get("decoded").asText()));
            }
        }
        JsonNode decodes = goldens(name, "decodes");
        for (JsonNode d : decodes) {
            int[] ids = ids(d.get("ids"));
            for (boolean skip : new boolean[]{false, true}) {
                String expected = d.get(skip ? "skippingSpecial" : "text").asText();
                String actual = tokenizer.decode(ids, skip);
                if (!actual.equals(expected)) {
                    wrong.add(Arrays.toString(ids) + (skip ? " skipping special tokens" : "") + " decodes to " + show(actual) + ", not " + show(expected));
                }
            }
        }
        assertNone(wrong, cases.size() + 2 * decodes.size(), name + " id sequences decode differently");
    }

    /** Lossless up to the normalizer: Qwen3's NFC recomposes "e\u0301"; glm-nano and DeepSeek-V3 normalize nothing. */
    @ParameterizedTest
    @ValueSource(strings = {"glm-nano", "qwen3", "deepseek-v3"})
    void decodingTheEncodingGivesTheTextBack(String name) throws IOException {
        Tokenizer tokenizer = tokenizer(name);
        JsonNode cases = goldens(name, "cases");
        List<String> wrong = new ArrayList<>();
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            String expected = name.equals("qwen3") ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
            String back = tokenizer.decode(tokenizer.encode(text), false);
            if (!back.equals(expected)) {
                wrong.add(show(text) + " comes back as " + show(back));
            }
        }
        assertNone(wrong, cases.size(), name + " strings do not survive encode then decode");
    }

    @ParameterizedTest
    @ValueSource(strings = {"glm-nano", "qwen3", "deepseek-v3", "glm-nano-added-tokens"})
    void streamedPiecesJoinToTheDecodedText(String name) throws IOException {
        Tokenizer tokenizer = tokenizer(name);
        List<int[]> sequences = new ArrayList<>();
        goldens(name, "cases").forEach(c -> sequences.add(ids(c.get("ids"))));
        goldens(name, "decodes").forEach(d -> sequences.add(ids(d.get("ids"))));
        List<String> wrong = new ArrayList<>();
        for (int[] ids : sequences) {
            for (boolean skip : new boolean[]{false, true}) {
                StreamingDecoder stream = tokenizer.streamingDecoder(skip);
                StringBuilder text = new StringBuilder();
                for (int id : ids) {
                    text.append(stream.next(id));
                }
                text.append(stream.flush());
                String expected = tokenizer.decode(ids, skip);
                if (!text.toString().equals(expected)) {
                    wrong.add(Arrays.toString(ids) + " streams to " + show(text.toString()) + ", not " + show(expected));
                }
            }
        }
        assertNone(wrong, 2 * sequences.size(), name + " id sequences stream differently");
    }
}
