package dev.glint.engine.text.tokenizer;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A Hugging Face {@code tokenizer.json} byte-level BPE tokenizer (GLM-4.x, Qwen, DeepSeek, GPT-2 and Llama-3 ship
 * these), giving the ids Hugging Face's tokenizers give: added tokens are found first, the text between them is
 * normalized and pre-tokenized into words, and BPE turns each word into ids. {@link #encode} adds no BOS or other
 * template tokens (the chat template writes those). Decoding is lossy exactly where Hugging Face's is.
 */
public final class Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AddedVocabulary addedVocabulary;
    private final List<PreTokenizer> preTokenizers;
    private final BytePairEncoding model;
    private final Map<String, Integer> idOfToken;
    private final String[] tokenOfId;
    private final byte[][] bytesOfId;
    private final BitSet special = new BitSet();
    private final BitSet added = new BitSet();

    /** Special tokens are known by their text, as in Hugging Face, so a vocabulary entry spelled the same is one too. */
    Tokenizer(AddedVocabulary addedVocabulary, List<PreTokenizer> preTokenizers, BytePairEncoding model, Map<String, Integer> vocab) {
        this.addedVocabulary = addedVocabulary;
        this.preTokenizers = preTokenizers;
        this.model = model;
        List<AddedToken> addedTokens = addedVocabulary.tokens();
        idOfToken = new HashMap<>(vocab);
        addedTokens.forEach(t -> idOfToken.put(t.content(), t.id()));
        int size = Math.max(vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1),
                addedTokens.stream().mapToInt(AddedToken::id).max().orElse(-1)) + 1;
        tokenOfId = new String[size];
        vocab.forEach((token, id) -> tokenOfId[id] = token);
        addedTokens.forEach(t -> tokenOfId[t.id()] = addedVocabulary.spelling(t));
        addedTokens.forEach(t -> added.set(t.id()));
        Set<String> specialContents = addedTokens.stream().filter(AddedToken::special).map(AddedToken::content).collect(Collectors.toSet());
        bytesOfId = new byte[size][];
        for (int id = 0; id < size; id++) {
            if (tokenOfId[id] != null) {
                bytesOfId[id] = ByteLevel.bytesOf(tokenOfId[id]);
                special.set(id, specialContents.contains(tokenOfId[id]));
            }
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
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw new TokenizerException(source + " is not valid JSON: " + e.getOriginalMessage() + where, e);
        }
        return TokenizerJson.parse(root, source);
    }

    /** Ids run from 0 to {@code vocabSize() - 1}; a few may have no token. */
    public int vocabSize() {
        return tokenOfId.length;
    }

    /** The id of a vocabulary entry or added token, given as written in tokenizer.json. */
    public OptionalInt id(String token) {
        Integer id = idOfToken.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * The token of an id as Hugging Face reports it: a vocabulary entry in byte-level characters, an added token's text
     * (normalized, for a {@code normalized} one), or null for an id without a token.
     */
    public String token(int id) {
        return id >= 0 && id < tokenOfId.length ? tokenOfId[id] : null;
    }

    /** Whether {@code id} is an added token marked {@code special}, which decoding can skip. */
    public boolean isSpecial(int id) {
        return id >= 0 && special.get(id);
    }

    /** Whether {@code id} is an added token, special or not: markup such as GLM's {@code <think>}, not text. */
    public boolean isAdded(int id) {
        return id >= 0 && added.get(id);
    }

    /** The bytes token {@code id} stands for, which need not be whole UTF-8 characters; empty for an id without a token. */
    public byte[] bytes(int id) {
        return hasToken(id) ? bytesOfId[id].clone() : new byte[0];
    }

    /**
     * The ids of {@code text}; added tokens in it, special or not, become their own ids.
     *
     * @throws TokenizerException when the text holds an unpaired surrogate, which is no Unicode character to encode
     */
    public int[] encode(String text) {
        IdList ids = new IdList(text.length() / 3);
        addedVocabulary.split(text, piece -> encodeBetweenAddedTokens(piece, ids), ids::add);
        return ids.toArray();
    }

    private void encodeBetweenAddedTokens(String normalized, IdList ids) {
        List<String> pieces = List.of(normalized);
        for (PreTokenizer step : preTokenizers) {
            List<String> finer = new ArrayList<>(2 * pieces.size());
            for (String piece : pieces) {
                step.split(piece, finer);
            }
            pieces = finer;
        }
        for (String word : pieces) {
            model.encode(word, ids);
        }
    }

    /**
     * The text of {@code ids}. Special added tokens are left out when asked ({@code <think>} and the tool-call tokens of
     * GLM are not special and stay); ids without a token are skipped and invalid UTF-8 becomes U+FFFD, as in Hugging Face.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteSink bytes = new ByteSink();
        for (int id : ids) {
            appendBytes(id, skipSpecialTokens, bytes);
        }
        return Utf8.decode(bytes.array(), bytes.length());
    }

    /** A decoder for one sequence's ids as they come. */
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    void appendBytes(int id, boolean skipSpecialTokens, ByteSink out) {
        if (hasToken(id) && !(skipSpecialTokens && special.get(id))) {
            out.put(bytesOfId[id]);
        }
    }

    private boolean hasToken(int id) {
        return id >= 0 && id < bytesOfId.length && bytesOfId[id] != null;
    }
}
