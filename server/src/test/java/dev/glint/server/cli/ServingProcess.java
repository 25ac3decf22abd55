package dev.glint.server.cli;

import dev.glint.server.http.RawHttp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code glint serve} process started by a test: the port it announces, and requests to it over raw HTTP. */
final class ServingProcess {
    private static final Pattern SERVING = Pattern.compile("glint serving .* at http://127\\.0\\.0\\.1:(\\d+)/v1");

    private ServingProcess() {
    }

    /** Reads the process's output (stderr merged in) up to its "serving" line, then drains the rest in the background. */
    static int awaitPort(Process server) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        for (String line; (line = out.readLine()) != null; ) {
            seen.add(line);
            Matcher serving = SERVING.matcher(line);
            if (serving.find()) {
                // The log goes on: keep reading it, or the process blocks on a full pipe.
                Thread.ofVirtual().start(() -> out.lines().forEach(ignored -> { }));
                return Integer.parseInt(serving.group(1));
            }
        }
        throw new AssertionError("glint serve exited before serving: " + seen);
    }

    /** Sends a chat completions request on a connection of its own and reads the whole answer, headers included. */
    static String post(int port, String body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(RawHttp.post("/v1/chat/completions", body).getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
