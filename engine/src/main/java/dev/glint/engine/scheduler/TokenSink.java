package dev.glint.engine.scheduler;

/**
 * Receives one sequence's start, then its tokens, on the engine thread, in order, then exactly one of {@link #onFinish} or
 * {@link #onError}. Implementations must return quickly: they hold up every other sequence.
 */
public interface TokenSink {
    /** The sequence got a slot (its wait in the queue is over), its first {@code cachedTokens} from the prefix cache. */
    default void onStarted(int cachedTokens) {
    }

    /**
     * Takes the next token, with its log-probabilities when the request asked for them (else null); returning false
     * ends the sequence here with {@link FinishReason#STOP} (a stop string).
     */
    boolean onToken(int id, TokenLogprobs logprobs);

    void onFinish(FinishReason reason, Usage usage);

    void onError(RuntimeException error);

    /**
     * A finished sequence's tokens: its prompt, how much of the prompt came from the prefix cache, what it generated,
     * and of the tokens guessed ahead for it (speculative decoding), how many were verified and how many of those held.
     */
    record Usage(int promptTokens, int cachedTokens, int generatedTokens, int draftTokens, int acceptedDraftTokens) {
        public Usage(int promptTokens, int cachedTokens, int generatedTokens) {
            this(promptTokens, cachedTokens, generatedTokens, 0, 0);
        }
    }

    enum FinishReason {
        /** A stop id was generated, or the sink asked to stop. */
        STOP,
        /** max_tokens was reached. */
        LENGTH,
        /** The client cancelled. */
        CANCELLED
    }
}
