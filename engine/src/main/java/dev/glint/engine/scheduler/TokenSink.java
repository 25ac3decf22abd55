package dev.glint.engine.scheduler;

/**
 * Receives one sequence's tokens on the engine thread, in order, then exactly one of {@link #onFinish} or
 * {@link #onError}. Implementations must return quickly: they hold up every other sequence.
 */
public interface TokenSink {
    /**
     * Takes the next token, with its log-probabilities when the request asked for them (else null); returning false
     * ends the sequence here with {@link FinishReason#STOP} (a stop string).
     */
    boolean onToken(int id, TokenLogprobs logprobs);

    void onFinish(FinishReason reason, int promptTokens, int generatedTokens);

    void onError(RuntimeException error);

    enum FinishReason {
        /** A stop id was generated, or the sink asked to stop. */
        STOP,
        /** max_tokens was reached. */
        LENGTH,
        /** The client cancelled. */
        CANCELLED
    }
}
