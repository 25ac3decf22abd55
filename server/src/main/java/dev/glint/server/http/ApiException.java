package dev.glint.server.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the API refuses, with the HTTP status and OpenAI's error fields: {@code type} such as
 * {@code invalid_request_error}, the {@code param} at fault (or null) and a message a client can act on.
 */
public final class ApiException extends RuntimeException {
    private final HttpResponseStatus status;
    private final String type;
    private final String param;

    public ApiException(HttpResponseStatus status, String type, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    public static ApiException badRequest(String param, String message) {
        return new ApiException(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", param, message);
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }
}
