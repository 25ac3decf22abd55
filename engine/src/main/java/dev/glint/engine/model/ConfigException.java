package dev.glint.engine.model;

/** A model folder's config.json or generation_config.json that Glint cannot run; the message says what and where. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
