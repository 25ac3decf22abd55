package dev.glint.server.cli;

import dev.glint.server.http.RawHttp;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code glint serve} as a process: killed with SIGKILL in the middle of a stream, a new process on the same port
 * serves at once (nothing is kept on disk to repair); SIGTERM lets a running stream finish, refuses new requests,
 * and exits.
 */
class ServeProcessTest {
    /** A stream of 400 tokens (its stop ids banned): long enough to be cut, or to outlast the draining's first moments. */
    private static final String STREAM = "{\"messages\": [{\"role\": \"user\", \"content\": \"Name the capital of India.\"}], "
            + "\"stream\": true, \"max_tokens\": 400, \"temperature\": 0, "
            + "\"logit_bias\": {\"1480\": -100, \"1487\": -100, \"1489\": -100}}";
    private static final String ASK = "{\"messages\": [{\"role\": \"user\", \"content\": \"Name the capital of India.\"}], "
            + "\"max_tokens\": 60, \"temperature\": 0, \"chat_template_kwargs\": {\"enable_thinking\": false}}";

    /** A serve process and the port it bound. */
    private record Server(Process process, int port) {
    }

    @Test
    void killedMidStreamTheNextProcessServesAtOnceOnTheSamePort() throws Exception {
        Server first = start(0);
        try (Socket client = new Socket("127.0.0.1", first.port())) {
            BufferedReader events = send(client, STREAM);
            readDataEvents(events, 3);
            first.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertEquals(137, first.process().exitValue(), "killed by SIGKILL");
        }
        long start = System.nanoTime();
        Server second = start(first.port());
        try {
            double seconds = (System.nanoTime() - start) / 1e9;
            String answer = ServingProcess.post(second.port(), ASK);
            System.out.printf("kill -9 mid-stream; a new process served on the same port %.1f s after its start%n", seconds);
            assertTrue(answer.contains("The capital of India is New Delhi."), answer);
        } finally {
            second.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigtermLetsTheRunningStreamFinishRefusesNewRequestsAndExits() throws Exception {
        Server server = start(0);
        try (Socket client = new Socket("127.0.0.1", server.port())) {
            BufferedReader events = send(client, STREAM);
            readDataEvents(events, 2);
            server.process().destroy();
            String refused = waitForRefusal(server.port());
            List<String> rest = new ArrayList<>();
            for (String line; (line = events.readLine()) != null; ) {
                rest.add(line);
            }
            assertTrue(rest.contains("data: [DONE]"), "the running stream was cut: " + rest);
            assertTrue(refused.startsWith("HTTP/1.1 503") && refused.contains("shutting down"), refused);
            assertTrue(server.process().waitFor(40, TimeUnit.SECONDS), "still running after SIGTERM");
        } finally {
            server.process().destroyForcibly();
        }
    }

    /** Starts {@code glint serve} on glm-nano from this build's classes and waits for its "serving" line. */
    private static Server start(int port) throws IOException {
        Process process = GlintProcess.of(List.of("serve",
                "--model", Path.of("../models/glm-nano").toAbsolutePath().normalize().toString(),
                "--port", Integer.toString(port), "--threads", "2", "--ctx", "2048"))
                .redirectErrorStream(true).start();
        return new Server(process, ServingProcess.awaitPort(process));
    }

    private static BufferedReader send(Socket socket, String body) throws IOException {
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(RawHttp.post("/v1/chat/completions", body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void readDataEvents(BufferedReader events, int count) throws IOException {
        for (String line; count > 0 && (line = events.readLine()) != null; ) {
            if (line.startsWith("data: {")) {
                count--;
            }
        }
        assertEquals(0, count, "the stream ended early");
    }

    /** Asks on new connections until the draining server says no (it may take a moment for SIGTERM to arrive). */
    private static String waitForRefusal(int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            try {
                String answer = ServingProcess.post(port, ASK);
                if (answer.startsWith("HTTP/1.1 503")) {
                    return answer;
                }
            } catch (IOException notYetOrGone) {
                // refused connection: the port is closed already
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no 503 while draining");
    }
}
