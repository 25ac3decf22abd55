package dev.glint.engine.text.chat;

/**
 * A chat request that cannot be turned into a prompt, with a message that tells the client what to change: a
 * malformed message list, an unknown role, tool-call arguments that are not JSON, or a conversation the model's
 * chat template itself rejects ({@code raise_exception}, whose message is passed through).
 */
public final class ChatRequestException extends RuntimeException {
    public ChatRequestException(String message) {
        super(message);
    }

    public ChatRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
