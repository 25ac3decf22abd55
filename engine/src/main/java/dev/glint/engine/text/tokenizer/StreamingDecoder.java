package dev.glint.engine.text.tokenizer;

/**
 * Decodes one sequence token by token. Text comes out only up to the last complete UTF-8 character: a character whose
 * bytes span several tokens comes out whole, with the token that completes it. The pieces joined equal
 * {@link Tokenizer#decode} of all the ids.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private final ByteSink pending = new ByteSink();

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** The text that {@code id} completes, possibly empty. */
    public String next(int id) {
        tokenizer.appendBytes(id, skipSpecialTokens, pending);
        int complete = pending.length() - Utf8.incompleteTail(pending.array(), pending.length());
        if (complete == 0) {
            return "";
        }
        String text = Utf8.decode(pending.array(), complete);
        pending.discard(complete);
        return text;
    }

    /** What is held back, as U+FFFD since it can no longer be completed; call at the end of the sequence. */
    public String flush() {
        String text = Utf8.decode(pending.array(), pending.length());
        pending.discard(pending.length());
        return text;
    }
}
