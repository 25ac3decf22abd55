package dev.glint.engine.text.tokenizer;

/**
 * A token matched whole in the input before BPE runs. {@code lstrip}/{@code rstrip} swallow the whitespace beside
 * it, {@code singleWord} only matches it between word boundaries; {@code special} ones can be skipped when decoding.
 */
record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean special) {
}
