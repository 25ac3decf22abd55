package dev.glint.engine.checkpoint;

/**
 * A checkpoint that cannot be used as it is on disk. The message always names the file (and the
 * tensor, where there is one) so that a user can tell which download is broken.
 */
public final class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
