package dev.glint.engine.scheduler;

/**
 * Receives one sequence's tokens on the engine thread, in order, then exactly one of {@link #onFinish} or
 * {@link #onError}. Implementations must return quickly: they hold up every other sequence.
 */
public interface TokenSink {
    void onToken(int id);

    void onFinish(FinishReason reason, int promptTokens, int generatedTokens);

    void onError(RuntimeException error);

    enum FinishReason {
        /** A stop id was generated. */
        STOP,
        /** max_tokens was reached. */
        LENGTH,
        /** The client cancelled. */
        CANCELLED
    }
}
