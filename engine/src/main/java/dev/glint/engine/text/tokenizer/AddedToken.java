package dev.glint.engine.text.tokenizer;

/**
 * A token of tokenizer.json's {@code added_tokens}, found whole in the text before the model sees it. {@code singleWord}
 * only matches it with no word character on either side, {@code lstrip}/{@code rstrip} make it swallow the whitespace
 * beside it, {@code normalized} matches it in the normalized text instead of the raw text, and {@code special} ones are
 * left out when decoding skips special tokens.
 */
record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized,
                  boolean special) {
}
