package dev.glint.engine.text.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * tokenizer.json's {@code ByteLevel} pre-tokenizer: a space before every piece that does not start with one
 * ({@code add_prefix_space}), GPT-2's split ({@code use_regex}), then each piece as its UTF-8 bytes, one character per
 * byte, which is the form the BPE vocabulary is written in.
 */
final class ByteLevelPreTokenizer implements PreTokenizer {
    private static final OnigurumaRegex GPT2 =
            OnigurumaRegex.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private final boolean addPrefixSpace;
    private final boolean useRegex;

    ByteLevelPreTokenizer(boolean addPrefixSpace, boolean useRegex) {
        this.addPrefixSpace = addPrefixSpace;
        this.useRegex = useRegex;
    }

    @Override
    public void split(String piece, List<String> out) {
        String text = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
        if (!useRegex) {
            out.add(ByteLevel.encode(text));
            return;
        }
        List<String> words = new ArrayList<>();
        SplitBehavior.ISOLATED.split(text, GPT2.find(text, false), words);
        for (String word : words) {
            out.add(ByteLevel.encode(word));
        }
    }
}
