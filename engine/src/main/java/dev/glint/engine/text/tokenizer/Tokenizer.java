package dev.glint.engine.text.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face {@code tokenizer.json} byte-level BPE tokenizer, as GLM-4.x (and Qwen, DeepSeek, GPT-2) ship:
 * added tokens matched first, then an optional normalizer, regex pre-tokenization, the byte-to-character mapping
 * and BPE; decoding maps characters back to bytes.
 */
public final class Tokenizer {
    /** GPT-2's pre-tokenizer regex, used by {@code ByteLevel} with {@code use_regex}. */
    private static final String GPT2_REGEX =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private final BytePairEncoding bpe;
    private final String[] tokenOfId;
    private final Map<String, Integer> idOfToken;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    /** Added tokens by their first character, longest first. */
    private final Map<Character, List<AddedToken>> addedByFirstChar = new HashMap<>();
    private final List<Pattern> splits;
    private final boolean nfc;
    private final boolean addPrefixSpace;

    private Tokenizer(JsonNode root, String source) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new TokenizerException(source + ": model type " + model.path("type") + " is not supported; Glint reads BPE tokenizers");
        }
        idOfToken = new HashMap<>();
        model.path("vocab").properties().forEach(e -> idOfToken.put(e.getKey(), e.getValue().asInt()));
        Map<String, Integer> ranks = new HashMap<>();
        JsonNode merges = model.path("merges");
        for (int rank = 0; rank < merges.size(); rank++) {
            JsonNode merge = merges.get(rank);
            String key;
            if (merge.isTextual()) {
                key = merge.textValue();
            } else if (merge.isArray() && merge.size() == 2) {
                key = BytePairEncoding.pair(merge.get(0).asText(), merge.get(1).asText());
            } else {
                throw new TokenizerException(source + ": merge " + rank + " is " + merge + ", neither \"a b\" nor [\"a\", \"b\"]");
            }
            ranks.putIfAbsent(key, rank);
        }
        List<AddedToken> added = new ArrayList<>();
        for (JsonNode token : root.path("added_tokens")) {
            AddedToken t = new AddedToken(token.path("id").asInt(), token.path("content").asText(),
                    token.path("single_word").asBoolean(false), token.path("lstrip").asBoolean(false),
                    token.path("rstrip").asBoolean(false), token.path("special").asBoolean(false));
            added.add(t);
            addedById.put(t.id(), t);
            idOfToken.put(t.content(), t.id());
        }
        int size = idOfToken.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        tokenOfId = new String[size];
        idOfToken.forEach((token, id) -> tokenOfId[id] = token);
        added.stream().filter(t -> !t.content().isEmpty())
                .sorted(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed())
                .forEach(t -> addedByFirstChar.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t));
        nfc = readNormalizer(root.path("normalizer"), source);
        splits = new ArrayList<>();
        boolean[] prefixSpace = {false};
        readPreTokenizer(root.path("pre_tokenizer"), source, splits, prefixSpace);
        addPrefixSpace = prefixSpace[0];
        bpe = new BytePairEncoding(idOfToken, ranks, model.path("ignore_merges").asBoolean(false));
        String decoder = root.path("decoder").path("type").asText("ByteLevel");
        if (!decoder.equals("ByteLevel")) {
            throw new TokenizerException(source + ": decoder " + decoder + " is not supported; Glint decodes byte-level BPE");
        }
    }

    /** Reads {@code tokenizer.json} from a model folder. */
    public static Tokenizer load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new TokenizerException(modelDir + " has no tokenizer.json");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads a {@code tokenizer.json} document; {@code source} names it in errors. */
    public static Tokenizer read(InputStream json, String source) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new TokenizerException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TokenizerException(source + " must hold a JSON object");
        }
        return new Tokenizer(root, source);
    }

    private static boolean readNormalizer(JsonNode normalizer, String source) {
        if (normalizer.isMissingNode() || normalizer.isNull()) {
            return false;
        }
        String type = normalizer.path("type").asText();
        return switch (type) {
            case "NFC" -> true;
            case "Sequence" -> {
                boolean any = false;
                for (JsonNode inner : normalizer.path("normalizers")) {
                    any |= readNormalizer(inner, source);
                }
                yield any;
            }
            default -> throw new TokenizerException(source + ": normalizer " + type + " is not supported (NFC and none are)");
        };
    }

    private static void readPreTokenizer(JsonNode pre, String source, List<Pattern> splits, boolean[] prefixSpace) {
        if (pre.isMissingNode() || pre.isNull()) {
            return;
        }
        String type = pre.path("type").asText();
        switch (type) {
            case "Sequence" -> pre.path("pretokenizers").forEach(inner -> readPreTokenizer(inner, source, splits, prefixSpace));
            case "Split" -> {
                String behavior = pre.path("behavior").asText();
                if (!behavior.equals("Isolated") || pre.path("invert").asBoolean(false)) {
                    throw new TokenizerException(source + ": Split with behavior " + behavior + " (invert "
                            + pre.path("invert") + ") is not supported; Isolated is");
                }
                JsonNode pattern = pre.path("pattern");
                String regex = pattern.has("Regex") ? pattern.get("Regex").asText() : Pattern.quote(pattern.path("String").asText());
                splits.add(compile(regex));
            }
            case "ByteLevel" -> {
                prefixSpace[0] = pre.path("add_prefix_space").asBoolean(false);
                if (pre.path("use_regex").asBoolean(true)) {
                    splits.add(compile(GPT2_REGEX));
                }
            }
            default -> throw new TokenizerException(source + ": pre-tokenizer " + type + " is not supported (Split, ByteLevel, Sequence are)");
        }
    }

    /** Java regexes with Unicode classes behave like Oniguruma's: {@code \s} is White_Space, {@code \p{L}} all letters. */
    private static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    public int vocabSize() {
        return tokenOfId.length;
    }

    /** The id of a token's string (a vocabulary entry or an added token), or -1. */
    public int id(String token) {
        return idOfToken.getOrDefault(token, -1);
    }

    /** The string of a token id, or null for an id without a token. */
    public String token(int id) {
        return id >= 0 && id < tokenOfId.length ? tokenOfId[id] : null;
    }

    /** The bytes token {@code id} stands for, which need not be whole UTF-8 characters. */
    public byte[] bytes(int id) {
        ByteLevel.ByteSink sink = new ByteLevel.ByteSink();
        appendBytes(id, false, sink);
        return sink.toArray();
    }

    public boolean isSpecial(int id) {
        AddedToken t = addedById.get(id);
        return t != null && t.special();
    }

    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        int start = 0;
        int from = 0;
        while (from < text.length()) {
            AddedToken token = addedTokenAt(text, from);
            if (token == null || token.singleWord() && (isWordChar(text, from - 1) || isWordChar(text, from + token.content().length()))) {
                from++;
                continue;
            }
            int begin = from;
            int end = from + token.content().length();
            if (token.lstrip()) {
                while (begin > start && Character.isWhitespace(text.charAt(begin - 1))) {
                    begin--;
                }
            }
            if (token.rstrip()) {
                while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
                    end++;
                }
            }
            encodeOrdinary(text.substring(start, begin), ids);
            ids.add(token.id());
            start = end;
            from = end;
        }
        encodeOrdinary(text.substring(start), ids);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The longest added token at {@code at}; only tokens starting with the character there are tried. */
    private AddedToken addedTokenAt(String text, int at) {
        List<AddedToken> candidates = addedByFirstChar.get(text.charAt(at));
        if (candidates != null) {
            for (AddedToken token : candidates) {
                if (text.startsWith(token.content(), at)) {
                    return token;
                }
            }
        }
        return null;
    }

    private static boolean isWordChar(String text, int at) {
        return at >= 0 && at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_');
    }

    private void encodeOrdinary(String text, List<Integer> ids) {
        if (text.isEmpty()) {
            return;
        }
        String normalized = nfc ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
        if (addPrefixSpace && !normalized.startsWith(" ")) {
            normalized = " " + normalized;
        }
        List<String> pieces = List.of(normalized);
        for (Pattern split : splits) {
            List<String> finer = new ArrayList<>();
            for (String piece : pieces) {
                isolate(split, piece, finer);
            }
            pieces = finer;
        }
        for (String piece : pieces) {
            bpe.encode(ByteLevel.encode(piece.getBytes(StandardCharsets.UTF_8)), ids);
        }
    }

    /** Split with behavior Isolated: every match is a piece, and so is every stretch between matches. */
    private static void isolate(Pattern split, String text, List<String> out) {
        Matcher m = split.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            if (m.start() > last) {
                out.add(text.substring(last, m.start()));
            }
            out.add(m.group());
            last = m.end();
        }
        if (last < text.length()) {
            out.add(text.substring(last));
        }
    }

    /** Text of {@code ids}; invalid UTF-8 becomes U+FFFD. Special added tokens are left out when asked. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteLevel.ByteSink bytes = new ByteLevel.ByteSink();
        for (int id : ids) {
            appendBytes(id, skipSpecialTokens, bytes);
        }
        return new String(bytes.toArray(), StandardCharsets.UTF_8);
    }

    void appendBytes(int id, boolean skipSpecialTokens, ByteLevel.ByteSink bytes) {
        AddedToken addedToken = addedById.get(id);
        if (addedToken != null) {
            if (!(skipSpecialTokens && addedToken.special())) {
                bytes.put(addedToken.content().getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        String token = token(id);
        if (token == null) {
            throw new TokenizerException("token id " + id + " is not in the vocabulary of " + vocabSize());
        }
        ByteLevel.decode(token, bytes);
    }

    /** A decoder for one sequence's tokens as they come. */
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }
}
