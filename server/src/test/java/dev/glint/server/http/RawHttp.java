package dev.glint.server.http;

import java.nio.charset.StandardCharsets;

/** Requests written byte for byte, for tests that play clients an HTTP library would not be. */
public final class RawHttp {
    private RawHttp() {
    }

    /** A JSON POST to {@code path} on a connection the server closes after its answer. */
    public static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }
}
