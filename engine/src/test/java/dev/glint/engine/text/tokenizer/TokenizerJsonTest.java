package dev.glint.engine.text.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading tokenizer.json: a tiny BPE tokenizer (vocabulary a, b, ab, &lt;unk&gt;, x; one merge) whose expected ids
 * come from Hugging Face's tokenizers, and the errors for documents Glint cannot use, each naming the file and the
 * JSON path.
 */
class TokenizerJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SOURCE = "tiny/tokenizer.json";

    private static ObjectNode tiny() {
        try {
            return (ObjectNode) JSON.readTree("""
                    {"version": "1.0", "added_tokens": [], "normalizer": null,
                     "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
                     "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
                     "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false, "byte_fallback": false,
                               "vocab": {"a": 0, "b": 1, "ab": 2, "<unk>": 3, "x": 4}, "merges": ["a b"]}}
                    """);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Tokenizer read(String json) throws IOException {
        return Tokenizer.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), SOURCE);
    }

    private static Tokenizer read(ObjectNode json) throws IOException {
        return read(json.toString());
    }

    private static ObjectNode model(ObjectNode root) {
        return (ObjectNode) root.get("model");
    }

    @Test
    void charactersWithoutATokenAreDroppedWithoutAnUnknownToken() throws IOException {
        assertArrayEquals(new int[]{2}, read(tiny()).encode("yyabzy"));
    }

    @Test
    void charactersWithoutATokenBecomeTheUnknownTokenOnePerRunWhenFused() throws IOException {
        ObjectNode json = tiny();
        model(json).put("unk_token", "<unk>");
        assertArrayEquals(new int[]{3, 3, 2, 3, 3}, read(json).encode("yyabzy"));
        model(json).put("fuse_unk", true);
        assertArrayEquals(new int[]{3, 2, 3, 4, 3}, read(json).encode("yyabzyxy"));
    }

    @Test
    void mergesReadInBothFormsAndVersionLinesAreNoMerges() throws IOException {
        ObjectNode json = tiny();
        ArrayNode merges = model(json).putArray("merges");
        merges.add("#version: 0.2");
        merges.addArray().add("a").add("b");
        assertArrayEquals(new int[]{2}, read(json).encode("ab"));
    }

    @Test
    void addedTokensAreNumberedAsHuggingFaceNumbersThemNotByTheirIdInTheFile() throws IOException {
        ObjectNode json = tiny();
        ((ArrayNode) json.get("added_tokens")).addObject().put("id", 9).put("content", "<s>").put("special", true).put("normalized", false);
        Tokenizer tokenizer = read(json);
        assertArrayEquals(new int[]{0, 5, 1}, tokenizer.encode("a<s>b"));
        assertEquals(OptionalInt.of(5), tokenizer.id("<s>"));
        assertEquals(6, tokenizer.vocabSize());
        assertEquals("ab", tokenizer.decode(new int[]{0, 5, 1}, true));
    }

    @Test
    void aModelFolderWithoutTokenizerJsonIsNamed(@TempDir Path dir) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertEquals(dir + " has no tokenizer.json", e.getMessage());
    }

    @Test
    void invalidJsonIsReportedWithItsPosition(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": [1, 2,,]}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + " is not valid JSON: "), e.getMessage());
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void aDocumentThatIsNoObjectIsRefused() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> read("[]"));
        assertEquals(SOURCE + " must hold a JSON object", e.getMessage());
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                refusal("another format version", json -> json.put("version", "2.0"), "version is \"2.0\"; Glint reads tokenizer.json version \"1.0\""),
                refusal("no model", json -> json.remove("model"), "model is missing"),
                refusal("a WordPiece model", json -> model(json).put("type", "WordPiece"), "model.type is \"WordPiece\"; Glint reads BPE tokenizers"),
                refusal("dropout", json -> model(json).put("dropout", 0.1), "model.dropout is 0.1; BPE dropout picks merges at random"),
                refusal("a subword prefix", json -> model(json).put("continuing_subword_prefix", "##"), "model.continuing_subword_prefix is \"##\""),
                refusal("byte fallback", json -> model(json).put("byte_fallback", true), "model.byte_fallback is true, which is SentencePiece-style BPE"),
                refusal("an unknown token outside the vocabulary", json -> model(json).put("unk_token", "<oov>"), "model.unk_token is \"<oov>\", which is not in model.vocab"),
                refusal("a vocabulary id that is text", json -> ((ObjectNode) model(json).get("vocab")).put("b", "one"), "model.vocab.b must be an integer from 0 to 2147483647, found string \"one\""),
                refusal("a merge of three parts", json -> model(json).putArray("merges").add("a b x"), "model.merges[0] is \"a b x\", neither \"a b\" nor [\"a\", \"b\"]"),
                refusal("a merge of an unknown token", json -> model(json).putArray("merges").add("a b").add("b c"), "model.merges[1] uses \"c\", which is not in model.vocab"),
                refusal("a merge whose result is unknown", json -> model(json).putArray("merges").add("b a"), "model.merges[0] uses \"ba\", which is not in model.vocab"),
                refusal("a Lowercase normalizer", json -> json.putObject("normalizer").put("type", "Lowercase"), "normalizer is a \"Lowercase\" normalizer; Glint supports NFC, NFD, NFKC, NFKD and Sequence"),
                refusal("a Strip normalizer in a Sequence", json -> json.putObject("normalizer").put("type", "Sequence").putArray("normalizers")
                        .add(JSON.createObjectNode().put("type", "NFC")).add(JSON.createObjectNode().put("type", "Strip")), "normalizer.normalizers[1] is a \"Strip\" normalizer"),
                refusal("a Whitespace pre-tokenizer", json -> json.putObject("pre_tokenizer").put("type", "Whitespace"), "pre_tokenizer is a \"Whitespace\" pre-tokenizer; Glint supports Split, ByteLevel and Sequence"),
                refusal("no ByteLevel pre-tokenizer", json -> json.putObject("pre_tokenizer").put("type", "Split").put("behavior", "Isolated")
                        .putObject("pattern").put("String", " "), "pre_tokenizer has no ByteLevel step; Glint reads byte-level BPE tokenizers"),
                refusal("a broken regex", json -> splitBeforeByteLevel(json, "(a|b", "Isolated"), "pre_tokenizer.pretokenizers[0].pattern.Regex is not a regex Glint can run: Unclosed group"),
                refusal("an unknown split behaviour", json -> splitBeforeByteLevel(json, "a", "Dropped"), "pre_tokenizer.pretokenizers[0].behavior is \"Dropped\"; one of Removed, Isolated"),
                refusal("no decoder", json -> json.putNull("decoder"), "decoder is null; Glint decodes byte-level BPE, whose decoder is \"ByteLevel\""),
                refusal("a WordPiece decoder", json -> json.putObject("decoder").put("type", "WordPiece"), "decoder is \"WordPiece\""),
                refusal("an added token without content", json -> ((ArrayNode) json.get("added_tokens")).addObject().put("id", 5), "added_tokens[0].content is missing"),
                refusal("an added token with a negative id", json -> ((ArrayNode) json.get("added_tokens")).addObject().put("id", -1).put("content", "<s>"), "added_tokens[0].id must be an integer from 0 to 2147483647, found number -1"),
                refusal("a flag that is no boolean", json -> ((ArrayNode) json.get("added_tokens")).addObject().put("id", 5).put("content", "<s>").put("lstrip", "yes"), "added_tokens[0].lstrip must be true or false, found string \"yes\""));
    }

    private static Arguments refusal(String what, Consumer<ObjectNode> breakIt, String message) {
        return Arguments.of(what, breakIt, message);
    }

    private static void splitBeforeByteLevel(ObjectNode json, String regex, String behavior) {
        ObjectNode byteLevel = (ObjectNode) json.get("pre_tokenizer");
        ArrayNode steps = json.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split").put("behavior", behavior);
        split.putObject("pattern").put("Regex", regex);
        steps.add(byteLevel);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void aDocumentGlintCannotUseIsRefusedNamingFileAndPath(String what, Consumer<ObjectNode> breakIt, String message) {
        ObjectNode json = tiny();
        breakIt.accept(json);
        TokenizerException e = assertThrows(TokenizerException.class, () -> read(json));
        String expected = SOURCE + ": " + message;
        assertTrue(e.getMessage().startsWith(expected), "expected '" + expected + "…' but got '" + e.getMessage() + "'");
    }
}
