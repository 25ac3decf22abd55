package dev.glint.engine.speculative;

/**
 * How the scheduler guesses tokens ahead for a decoding sequence, to verify them all in its next step: the weights are
 * read once for the step, so every accepted guess is a token without a read of its own.
 *
 * @param method      where the guesses come from
 * @param draftTokens at most this many guesses per step
 */
public record Speculation(Method method, int draftTokens) {
    /** One MTP draft a step: each further one would come from the MTP layer fed its own output, which Glint does not do. */
    public static final int MTP_DRAFT_TOKENS = 1;
    public static final int DEFAULT_NGRAM_DRAFT_TOKENS = 4;
    public static final Speculation NONE = new Speculation(Method.NONE, 0);

    public enum Method {
        /** Plain decoding, one token a step. */
        NONE,
        /** The checkpoint's multi-token-prediction layer, run after each step on the step's final hidden states. */
        MTP,
        /** Prompt lookup: the tokens that followed the latest earlier occurrence of the sequence's last few tokens. */
        NGRAM
    }

    public Speculation {
        if (method == Method.NONE ? draftTokens != 0 : draftTokens < 1) {
            throw new IllegalArgumentException(method + " speculation with " + draftTokens + " draft tokens");
        }
        if (method == Method.MTP && draftTokens != MTP_DRAFT_TOKENS) {
            throw new IllegalArgumentException("MTP drafts " + MTP_DRAFT_TOKENS + " token per step, not " + draftTokens);
        }
    }

    public static Speculation mtp() {
        return new Speculation(Method.MTP, MTP_DRAFT_TOKENS);
    }

    public static Speculation ngram(int draftTokens) {
        return new Speculation(Method.NGRAM, draftTokens);
    }

    public boolean drafts() {
        return method != Method.NONE;
    }
}
