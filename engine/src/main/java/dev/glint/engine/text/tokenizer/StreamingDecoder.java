package dev.glint.engine.text.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Decodes one sequence token by token, emitting text only up to the last complete UTF-8 character: a character
 * whose bytes span several tokens comes out whole, with the token that completes it.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private final ByteLevel.ByteSink pending = new ByteLevel.ByteSink();

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** The text that {@code id} completes, possibly empty. */
    public String next(int id) {
        tokenizer.appendBytes(id, skipSpecialTokens, pending);
        int complete = pending.length() - incompleteTail();
        return complete == 0 ? "" : new String(pending.take(complete), StandardCharsets.UTF_8);
    }

    /** Whatever is held back, undecodable bytes as U+FFFD; call at the end of the sequence. */
    public String flush() {
        return new String(pending.take(pending.length()), StandardCharsets.UTF_8);
    }

    /** Bytes at the end that start a UTF-8 character whose remaining bytes have not arrived yet. */
    private int incompleteTail() {
        int n = pending.length();
        for (int back = 1; back <= Math.min(3, n); back++) {
            int b = pending.at(n - back) & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue;
            }
            int needed = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xC2 && b <= 0xDF ? 2 : 1;
            return needed > back ? back : 0;
        }
        return 0;
    }
}
