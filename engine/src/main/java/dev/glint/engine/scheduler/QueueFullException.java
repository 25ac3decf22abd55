package dev.glint.engine.scheduler;

/** The waiting queue is full; the caller may retry later. */
public final class QueueFullException extends RuntimeException {
    public QueueFullException(String message) {
        super(message);
    }
}
