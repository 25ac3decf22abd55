package dev.glint.engine.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glint.engine.checkpoint.JsonFields;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.PatternSyntaxException;

import static java.lang.Integer.MAX_VALUE;

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
        JsonFields document = JsonFields.of(root, "", this::error);
        String version = document.string("version", "1.0");
        if (!version.equals("1.0")) {
            throw document.problem("version", "is " + quote(version) + "; Glint reads tokenizer.json version \"1.0\"");
        }
        JsonFields modelFields = document.object("model");
        Map<String, Integer> vocab = vocab(modelFields.object("vocab"));
        BytePairEncoding model = model(modelFields, vocab);
        Normalization normalization = normalization(document);
        List<PreTokenizer> preTokenizers = preTokenizers(document);
        checkDecoder(document);
        List<AddedToken> addedTokens = addedTokens(document.objects("added_tokens", List.of()), vocab);
        return new Tokenizer(new AddedVocabulary(addedTokens, normalization), preTokenizers, model, vocab);
    }

    private static Map<String, Integer> vocab(JsonFields tokens) {
        List<String> names = tokens.names();
        Map<String, Integer> vocab = new HashMap<>(2 * names.size());
        for (String token : names) {
            vocab.put(token, tokens.integer(token, 0, MAX_VALUE));
        }
        return vocab;
    }

    private BytePairEncoding model(JsonFields model, Map<String, Integer> vocab) {
        String type = model.string("type");
        if (!type.equals("BPE")) {
            throw model.problem("type", "is " + quote(type) + "; Glint reads BPE tokenizers");
        }
        double dropout = model.number("dropout", 0, 0, 1);
        if (dropout != 0) {
            throw model.problem("dropout", "is " + dropout + "; BPE dropout picks merges at random, for training only");
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            String value = model.string(affix, "");
            if (!value.isEmpty()) {
                throw model.problem(affix, "is " + quote(value) + "; Glint reads byte-level BPE, which has none");
            }
        }
        if (model.bool("byte_fallback", false)) {
            throw model.problem("byte_fallback", "is true, which is SentencePiece-style BPE; Glint reads byte-level BPE");
        }
        String unknown = model.string("unk_token", null);
        int unknownId = -1;
        if (unknown != null) {
            Integer id = vocab.get(unknown);
            if (id == null) {
                throw model.problem("unk_token", "is " + quote(unknown) + ", which is not in model.vocab");
            }
            unknownId = id;
        }
        return new BytePairEncoding(vocab, merges(model, vocab), model.bool("ignore_merges", false), unknownId,
                model.bool("fuse_unk", false));
    }

    /** Merges as "a b" strings (where a "#version" line is no merge) or as ["a", "b"] pairs; rank is the position. */
    private MergeTable merges(JsonFields model, Map<String, Integer> vocab) {
        List<JsonNode> items = model.array("merges");
        MergeTable merges = new MergeTable(items.size());
        int rank = 0;
        for (int i = 0; i < items.size(); i++) {
            JsonNode merge = items.get(i);
            String[] pair = null;
            if (merge.isTextual() && merge.textValue().startsWith("#version")) {
                continue;
            } else if (merge.isTextual()) {
                pair = merge.textValue().split(" ", -1);
            } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
                pair = new String[]{merge.get(0).textValue(), merge.get(1).textValue()};
            }
            if (pair == null || pair.length != 2) {
                throw error(model.pathOf("merges", i), "is " + merge + ", neither \"a b\" nor [\"a\", \"b\"]");
            }
            merges.put(inVocab(pair[0], vocab, model, i), inVocab(pair[1], vocab, model, i), rank++,
                    inVocab(pair[0] + pair[1], vocab, model, i));
        }
        return merges;
    }

    private int inVocab(String token, Map<String, Integer> vocab, JsonFields model, int merge) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw error(model.pathOf("merges", merge), "uses " + quote(token) + ", which is not in model.vocab");
        }
        return id;
    }

    private static Normalization normalization(JsonFields document) {
        if (!document.has("normalizer")) {
            return Normalization.NONE;
        }
        List<Normalizer.Form> forms = new ArrayList<>();
        addForms(document.object("normalizer"), forms);
        return new Normalization(List.copyOf(forms));
    }

    private static void addForms(JsonFields normalizer, List<Normalizer.Form> forms) {
        String type = normalizer.string("type");
        switch (type) {
            case "NFC", "NFD", "NFKC", "NFKD" -> forms.add(Normalizer.Form.valueOf(type));
            case "Sequence" -> normalizer.objects("normalizers").forEach(inner -> addForms(inner, forms));
            default -> throw normalizer.problem("is a " + quote(type) + " normalizer; Glint supports NFC, NFD, NFKC, NFKD and Sequence");
        }
    }

    private static List<PreTokenizer> preTokenizers(JsonFields document) {
        List<PreTokenizer> steps = new ArrayList<>();
        if (document.has("pre_tokenizer")) {
            addPreTokenizers(document.object("pre_tokenizer"), steps);
        }
        if (steps.stream().noneMatch(ByteLevelPreTokenizer.class::isInstance)) {
            throw document.problem("pre_tokenizer", "has no ByteLevel step; Glint reads byte-level BPE tokenizers");
        }
        return List.copyOf(steps);
    }

    private static void addPreTokenizers(JsonFields step, List<PreTokenizer> steps) {
        String type = step.string("type");
        switch (type) {
            case "Sequence" -> step.objects("pretokenizers").forEach(inner -> addPreTokenizers(inner, steps));
            case "Split" -> steps.add(split(step));
            case "ByteLevel" -> steps.add(new ByteLevelPreTokenizer(step.bool("add_prefix_space", true), step.bool("use_regex", true)));
            default -> throw step.problem("is a " + quote(type) + " pre-tokenizer; Glint supports Split, ByteLevel and Sequence");
        }
    }

    private static SplitPreTokenizer split(JsonFields split) {
        JsonFields pattern = split.object("pattern");
        OnigurumaRegex regex;
        if (pattern.has("Regex")) {
            try {
                regex = OnigurumaRegex.compile(pattern.string("Regex"));
            } catch (PatternSyntaxException e) {
                throw pattern.problem("Regex", "is not a regex Glint can run: " + e.getDescription() + " at index " + e.getIndex());
            }
        } else if (pattern.has("String")) {
            regex = OnigurumaRegex.literal(pattern.string("String"));
        } else {
            throw split.problem("pattern", "is " + split.get("pattern") + ", neither {\"Regex\": ...} nor {\"String\": ...}");
        }
        String behavior = split.string("behavior");
        SplitBehavior splitBehavior = Arrays.stream(SplitBehavior.values()).filter(b -> b.jsonName.equals(behavior)).findFirst()
                .orElseThrow(() -> split.problem("behavior", "is " + quote(behavior)
                        + "; one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous"));
        return new SplitPreTokenizer(regex, splitBehavior, split.bool("invert", false));
    }

    private static void checkDecoder(JsonFields document) {
        String type = document.has("decoder") ? quote(document.object("decoder").string("type")) : "null";
        if (!type.equals("\"ByteLevel\"")) {
            throw document.problem("decoder", "is " + type + "; Glint decodes byte-level BPE, whose decoder is \"ByteLevel\"");
        }
    }

    /**
     * The added tokens with the ids Hugging Face gives them: a token already in the vocabulary (or added before) keeps
     * that id, a new one gets the vocabulary's size (its entry count) or one past the highest added id above it.
     * Tokens with empty content are ignored, as there.
     */
    private static List<AddedToken> addedTokens(List<JsonFields> tokens, Map<String, Integer> vocab) {
        Map<String, Integer> assigned = new HashMap<>();
        Map<Integer, AddedToken> byId = new LinkedHashMap<>();
        int highest = -1;
        for (JsonFields token : tokens) {
            String content = token.string("content");
            token.integer("id", 0, MAX_VALUE); // unused, as in Hugging Face, but a malformed one is refused
            if (content.isEmpty()) {
                continue;
            }
            Integer id = assigned.containsKey(content) ? assigned.get(content) : vocab.get(content);
            if (id == null) {
                id = highest >= vocab.size() || vocab.isEmpty() ? highest + 1 : vocab.size();
            }
            assigned.put(content, id);
            highest = Math.max(highest, id);
            byId.put(id, new AddedToken(id, content, token.bool("single_word", false), token.bool("lstrip", false),
                    token.bool("rstrip", false), token.bool("normalized", true), token.bool("special", false)));
        }
        return List.copyOf(byId.values());
    }

    private static String quote(String text) {
        return '"' + text + '"';
    }

    private TokenizerException error(String path, String problem) {
        return new TokenizerException(source + ": " + path + " " + problem);
    }
}
