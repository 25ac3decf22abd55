package dev.glint.engine.text.tokenizer;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

/**
 * The added tokens and the normalizer, as Hugging Face applies them before pre-tokenization: tokens with
 * {@code normalized: false} are found in the raw text; each stretch between them is normalized, and tokens with
 * {@code normalized: true} (their own text normalized too) are found in it.
 */
final class AddedVocabulary {
    private final List<AddedToken> tokens;
    private final Normalization normalization;
    private final AddedTokenMatcher raw;
    private final AddedTokenMatcher normalized;

    AddedVocabulary(List<AddedToken> tokens, Normalization normalization) {
        this.tokens = tokens;
        this.normalization = normalization;
        raw = new AddedTokenMatcher(tokens.stream().filter(t -> !t.normalized()).toList(), UnaryOperator.identity());
        normalized = new AddedTokenMatcher(tokens.stream().filter(AddedToken::normalized).toList(), normalization::apply);
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    /**
     * The token's text as Hugging Face decodes it and reports it for its id: the normalized text for a
     * {@code normalized} token, the content for others.
     */
    String spelling(AddedToken token) {
        return token.normalized() ? normalization.apply(token.content()) : token.content();
    }

    /** Reports the normalized text between added tokens to {@code text} and the tokens' ids to {@code ids}, in order. */
    void split(String input, Consumer<String> text, IntConsumer ids) {
        Consumer<String> normalize = normalized.isEmpty()
                ? piece -> text.accept(normalization.apply(piece))
                : piece -> normalized.split(normalization.apply(piece), text, ids);
        if (raw.isEmpty()) {
            normalize.accept(input);
        } else {
            raw.split(input, normalize, ids);
        }
    }
}
