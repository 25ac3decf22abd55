package dev.glint.engine.text.tokenizer;

/** A tokenizer.json Glint cannot use, or text it cannot encode; the message says what and where. */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
