package dev.glint.engine.speculative;

import java.util.Arrays;

/**
 * Prompt-lookup drafting: answers that copy spans of their context (a file being edited, a quoted diff, a tool's
 * output) repeat token runs that already occurred. The sequence's last {@code n} tokens are looked up in what came
 * before them, longest n first, and the tokens that followed the latest occurrence are the draft.
 */
public final class NgramDrafter {
    /** The longest and shortest suffix looked up; a single token matches too often by chance to be worth a guess. */
    static final int MAX_NGRAM = 4;
    static final int MIN_NGRAM = 2;

    private NgramDrafter() {
    }

    /**
     * Up to {@code max} tokens that followed the latest earlier occurrence of the longest suffix of
     * {@code tokens[0, length)} (of {@value #MAX_NGRAM} down to {@value #MIN_NGRAM} tokens) that occurred before; none
     * when no such suffix did.
     */
    public static int[] draft(int[] tokens, int length, int max) {
        for (int n = Math.min(MAX_NGRAM, length - 1); n >= MIN_NGRAM; n--) {
            int suffix = length - n;
            // The latest occurrence that leaves at least one token after it, the suffix itself excluded.
            for (int start = suffix - 1; start >= 0; start--) {
                if (Arrays.equals(tokens, start, start + n, tokens, suffix, length)) {
                    int from = start + n;
                    return Arrays.copyOfRange(tokens, from, Math.min(from + max, length));
                }
            }
        }
        return new int[0];
    }
}
