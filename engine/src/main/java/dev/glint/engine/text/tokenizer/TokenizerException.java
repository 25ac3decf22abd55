package dev.glint.engine.text.tokenizer;

/** A tokenizer.json Glint cannot use, or ids it cannot decode; the message says what and where. */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
