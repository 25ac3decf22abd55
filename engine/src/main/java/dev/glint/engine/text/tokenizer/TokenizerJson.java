package dev.glint.engine.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.PatternSyntaxException;

/**
 * Builds a {@link Tokenizer} from a parsed tokenizer.json, refusing what is malformed or what Glint does not implement
 * with the file and the JSON path named. Added-token ids follow Hugging Face, which numbers the tokens itself (the id in
 * the file only draws a warning there when it differs).
 */
final class TokenizerJson {
    private final String source;

    private TokenizerJson(String source) {
        this.source = source;
    }

    static Tokenizer parse(JsonNode root, String source) {
        return new TokenizerJson(source).tokenizer(root);
    }

    private Tokenizer tokenizer(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new TokenizerException(source + " must hold a JSON object");
        }
        JsonNode version = root.get("version");
        if (version != null && !version.isNull() && !"1.0".equals(version.asText())) {
            throw error("version", "is " + version + "; Glint reads tokenizer.json version \"1.0\"");
        }
        JsonNode modelNode = field(root, "model", "model");
        Map<String, Integer> vocab = vocab(field(modelNode, "vocab", "model.vocab"));
        BytePairEncoding model = model(modelNode, vocab);
        Normalization normalization = normalization(root.get("normalizer"));
        List<PreTokenizer> preTokenizers = preTokenizers(root.get("pre_tokenizer"));
        checkDecoder(root.get("decoder"));
        List<AddedToken> addedTokens = addedTokens(root.get("added_tokens"), vocab);
        return new Tokenizer(new AddedVocabulary(addedTokens, normalization), preTokenizers, model, vocab);
    }

    private Map<String, Integer> vocab(JsonNode node) {
        if (!node.isObject()) {
            throw error("model.vocab", "must be an object of token to id");
        }
        Map<String, Integer> vocab = new HashMap<>(2 * node.size());
        node.properties().forEach(e -> vocab.put(e.getKey(), id(e.getValue(), "model.vocab[" + quote(e.getKey()) + "]")));
        return vocab;
    }

    private BytePairEncoding model(JsonNode model, Map<String, Integer> vocab) {
        String type = string(model, "type", "model.type");
        if (!type.equals("BPE")) {
            throw error("model.type", "is " + quote(type) + "; Glint reads BPE tokenizers");
        }
        JsonNode dropout = model.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0) {
            throw error("model.dropout", "is " + dropout + "; BPE dropout picks merges at random, for training only");
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            JsonNode value = model.get(affix);
            if (value != null && !value.isNull() && !value.asText().isEmpty()) {
                throw error("model." + affix, "is " + value + "; Glint reads byte-level BPE, which has none");
            }
        }
        if (flag(model, "byte_fallback", false, "model.byte_fallback")) {
            throw error("model.byte_fallback", "is true, which is SentencePiece-style BPE; Glint reads byte-level BPE");
        }
        JsonNode unknown = model.get("unk_token");
        int unknownId = -1;
        if (unknown != null && !unknown.isNull()) {
            Integer id = vocab.get(unknown.asText());
            if (id == null) {
                throw error("model.unk_token", "is " + unknown + ", which is not in model.vocab");
            }
            unknownId = id;
        }
        return new BytePairEncoding(vocab, merges(field(model, "merges", "model.merges"), vocab),
                flag(model, "ignore_merges", false, "model.ignore_merges"), unknownId,
                flag(model, "fuse_unk", false, "model.fuse_unk"));
    }

    /** Merges as "a b" strings (where a "#version" line is no merge) or as ["a", "b"] pairs; rank is the position. */
    private MergeTable merges(JsonNode node, Map<String, Integer> vocab) {
        if (!node.isArray()) {
            throw error("model.merges", "must be an array");
        }
        MergeTable merges = new MergeTable(node.size());
        int rank = 0;
        for (int i = 0; i < node.size(); i++) {
            JsonNode merge = node.get(i);
            String path = "model.merges[" + i + "]";
            String[] pair = null;
            if (merge.isTextual() && merge.textValue().startsWith("#version")) {
                continue;
            } else if (merge.isTextual()) {
                pair = merge.textValue().split(" ", -1);
            } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
                pair = new String[]{merge.get(0).textValue(), merge.get(1).textValue()};
            }
            if (pair == null || pair.length != 2) {
                throw error(path, "is " + merge + ", neither \"a b\" nor [\"a\", \"b\"]");
            }
            merges.put(inVocab(pair[0], vocab, path), inVocab(pair[1], vocab, path), rank++, inVocab(pair[0] + pair[1], vocab, path));
        }
        return merges;
    }

    private int inVocab(String token, Map<String, Integer> vocab, String path) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw error(path, "uses " + quote(token) + ", which is not in model.vocab");
        }
        return id;
    }

    private Normalization normalization(JsonNode node) {
        if (node == null || node.isNull()) {
            return Normalization.NONE;
        }
        List<Normalizer.Form> forms = new ArrayList<>();
        addForms(node, "normalizer", forms);
        return new Normalization(List.copyOf(forms));
    }

    private void addForms(JsonNode node, String path, List<Normalizer.Form> forms) {
        String type = string(node, "type", path + ".type");
        switch (type) {
            case "NFC", "NFD", "NFKC", "NFKD" -> forms.add(Normalizer.Form.valueOf(type));
            case "Sequence" -> {
                JsonNode inner = array(node, "normalizers", path + ".normalizers");
                for (int i = 0; i < inner.size(); i++) {
                    addForms(inner.get(i), path + ".normalizers[" + i + "]", forms);
                }
            }
            default -> throw error(path, "is a " + quote(type) + " normalizer; Glint supports NFC, NFD, NFKC, NFKD and Sequence");
        }
    }

    private List<PreTokenizer> preTokenizers(JsonNode node) {
        List<PreTokenizer> steps = new ArrayList<>();
        if (node != null && !node.isNull()) {
            addPreTokenizers(node, "pre_tokenizer", steps);
        }
        if (steps.stream().noneMatch(ByteLevelPreTokenizer.class::isInstance)) {
            throw error("pre_tokenizer", "has no ByteLevel step; Glint reads byte-level BPE tokenizers");
        }
        return List.copyOf(steps);
    }

    private void addPreTokenizers(JsonNode node, String path, List<PreTokenizer> steps) {
        String type = string(node, "type", path + ".type");
        switch (type) {
            case "Sequence" -> {
                JsonNode inner = array(node, "pretokenizers", path + ".pretokenizers");
                for (int i = 0; i < inner.size(); i++) {
                    addPreTokenizers(inner.get(i), path + ".pretokenizers[" + i + "]", steps);
                }
            }
            case "Split" -> steps.add(split(node, path));
            case "ByteLevel" -> steps.add(new ByteLevelPreTokenizer(flag(node, "add_prefix_space", true, path + ".add_prefix_space"),
                    flag(node, "use_regex", true, path + ".use_regex")));
            default -> throw error(path, "is a " + quote(type) + " pre-tokenizer; Glint supports Split, ByteLevel and Sequence");
        }
    }

    private SplitPreTokenizer split(JsonNode node, String path) {
        JsonNode pattern = field(node, "pattern", path + ".pattern");
        OnigurumaRegex regex;
        if (pattern.has("Regex")) {
            String text = string(pattern, "Regex", path + ".pattern.Regex");
            try {
                regex = OnigurumaRegex.compile(text);
            } catch (PatternSyntaxException e) {
                throw error(path + ".pattern.Regex", "is not a regex Glint can run: " + e.getDescription() + " at index " + e.getIndex());
            }
        } else if (pattern.has("String")) {
            regex = OnigurumaRegex.literal(string(pattern, "String", path + ".pattern.String"));
        } else {
            throw error(path + ".pattern", "is " + pattern + ", neither {\"Regex\": ...} nor {\"String\": ...}");
        }
        String behavior = string(node, "behavior", path + ".behavior");
        SplitBehavior splitBehavior = Arrays.stream(SplitBehavior.values()).filter(b -> b.jsonName.equals(behavior)).findFirst()
                .orElseThrow(() -> error(path + ".behavior", "is " + quote(behavior)
                        + "; one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous"));
        return new SplitPreTokenizer(regex, splitBehavior, flag(node, "invert", false, path + ".invert"));
    }

    private void checkDecoder(JsonNode node) {
        String type = node == null || node.isNull() ? "null" : quote(string(node, "type", "decoder.type"));
        if (!type.equals("\"ByteLevel\"")) {
            throw error("decoder", "is " + type + "; Glint decodes byte-level BPE, whose decoder is \"ByteLevel\"");
        }
    }

    /**
     * The added tokens with the ids Hugging Face gives them: a token already in the vocabulary (or added before) keeps
     * that id, a new one gets the vocabulary's size (its entry count) or one past the highest added id above it.
     * Tokens with empty content are ignored, as there.
     */
    private List<AddedToken> addedTokens(JsonNode node, Map<String, Integer> vocab) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw error("added_tokens", "must be an array");
        }
        Map<String, Integer> assigned = new HashMap<>();
        Map<Integer, AddedToken> byId = new LinkedHashMap<>();
        int highest = -1;
        for (int i = 0; i < node.size(); i++) {
            JsonNode token = node.get(i);
            String path = "added_tokens[" + i + "]";
            if (!token.isObject()) {
                throw error(path, "must be an object");
            }
            String content = string(token, "content", path + ".content");
            id(field(token, "id", path + ".id"), path + ".id");
            if (content.isEmpty()) {
                continue;
            }
            Integer id = assigned.containsKey(content) ? assigned.get(content) : vocab.get(content);
            if (id == null) {
                id = highest >= vocab.size() || vocab.isEmpty() ? highest + 1 : vocab.size();
            }
            assigned.put(content, id);
            highest = Math.max(highest, id);
            byId.put(id, new AddedToken(id, content, flag(token, "single_word", false, path + ".single_word"),
                    flag(token, "lstrip", false, path + ".lstrip"), flag(token, "rstrip", false, path + ".rstrip"),
                    flag(token, "normalized", true, path + ".normalized"), flag(token, "special", false, path + ".special")));
        }
        return List.copyOf(byId.values());
    }

    private JsonNode field(JsonNode object, String name, String path) {
        JsonNode value = object.get(name);
        if (value == null || value.isNull()) {
            throw error(path, "is missing");
        }
        return value;
    }

    private JsonNode array(JsonNode object, String name, String path) {
        JsonNode value = field(object, name, path);
        if (!value.isArray()) {
            throw error(path, "must be an array");
        }
        return value;
    }

    private String string(JsonNode object, String name, String path) {
        JsonNode value = field(object, name, path);
        if (!value.isTextual()) {
            throw error(path, "must be a string, not " + value);
        }
        return value.textValue();
    }

    private boolean flag(JsonNode object, String name, boolean fallback, String path) {
        JsonNode value = object.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw error(path, "must be true or false, not " + value);
        }
        return value.booleanValue();
    }

    private int id(JsonNode value, String path) {
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < 0) {
            throw error(path, "must be a token id (an integer from 0), not " + value);
        }
        return value.intValue();
    }

    private static String quote(String text) {
        return '"' + text + '"';
    }

    private TokenizerException error(String path, String problem) {
        return new TokenizerException(source + ": " + path + " " + problem);
    }
}
