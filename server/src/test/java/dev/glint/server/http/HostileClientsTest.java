package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that hold on to the server without playing their part: headers a byte at a time, a body that never ends,
 * a stream never read, a thousand idle connections. Each is cut off by its limit while others are answered within
 * {@link #SERVED_WITHIN} — a bound far above what a glm-nano answer of a few tokens takes on two cores (tens of
 * milliseconds), far below the limits' own seconds, so a server blocked by the hostile client fails it.
 */
class HostileClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SERVED_WITHIN = Duration.ofMillis(1500);
    /** Short limits, so that each cut-off happens within the test's seconds. */
    private static final HttpLimits LIMITS = new HttpLimits(16 * 1024, 1024 * 1024, 1024, Duration.ofSeconds(2),
            Duration.ofSeconds(3), 2, 64, 64 * 1024, Duration.ofSeconds(3), Duration.ofSeconds(1));
    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
    private static ServedModel served;
    private static OpenAiServer server;
    private static InetSocketAddress address;

    @BeforeAll
    static void start() throws InterruptedException {
        // One slot: a paused stream holds it, and the next stream waits in the queue behind it.
        served = ServedModel.load(Path.of("../models/glm-nano"), new ServedModel.Options("glm-nano", 2, 2048, 1, 256, 8));
        server = OpenAiServer.start(served, "127.0.0.1", 0, null, LIMITS, new ServerLog(new PrintStream(LOG, true, StandardCharsets.UTF_8)));
        address = new InetSocketAddress("127.0.0.1", server.port());
        // The first request loads and compiles what every later one uses; it is not what the bounds are about.
        timeToServe();
    }

    @AfterAll
    static void stop() {
        server.close();
        served.close();
        // Everything here is a client's fault: warnings, never the server's errors.
        List<String> errors = log().lines().filter(line -> line.contains("level=error")).toList();
        assertEquals(List.of(), errors, "a client's fault logged as the server's");
    }

    private static synchronized String log() {
        return LOG.toString(StandardCharsets.UTF_8);
    }

    @Test
    void headersSentAByteASecondGetA408AtTheReadTimeoutWhileOthersAreServed() throws Exception {
        try (Socket slow = connect()) {
            long start = System.nanoTime();
            CompletableFuture<String> dripping = CompletableFuture.supplyAsync(() -> drip(slow,
                    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Padding: "
                            + "a".repeat(200) + "\r\n\r\n", 200));
            long served = timeToServe();
            String answer = dripping.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("slowloris: 408 after %.2f s; another client served in %d ms meanwhile%n", seconds, served);
            assertTrue(answer.startsWith("HTTP/1.1 408"), "the dripping client got: " + answer);
            assertTrue(answer.contains("--request-read-timeout"), answer);
            assertTrue(seconds >= 2 && seconds < 4, "the read timeout is 2 s; the 408 came after " + seconds + " s");
            assertTrue(served < SERVED_WITHIN.toMillis(), "another client waited " + served + " ms");
        }
    }

    @Test
    void aBodyThatNeverEndsGetsA408AndTheConnectionCloses() throws Exception {
        try (Socket unfinished = connect()) {
            long start = System.nanoTime();
            OutputStream out = unfinished.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000\r\n\r\n{\"messages\": [").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String answer = readToEnd(unfinished);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(seconds >= 2 && seconds < 4, "the read timeout is 2 s; the 408 came after " + seconds + " s");
        }
    }

    /**
     * A stream whose client never reads fills its socket, then the stream buffer: its sequence is paused (the tokens
     * counter stands still), the request behind it in the queue is kept alive with SSE comments, and after the stall
     * timeout the stalled stream is cancelled — slot and KV blocks back — and the waiting one is answered.
     */
    @Test
    void aStreamNeverReadIsPausedThenCancelledAndTheRequestBehindItIsKeptAliveAndServed() throws Exception {
        long tokensBefore = metric("glint_generation_tokens_total");
        // Stop ids banned and top log-probabilities asked for: 1,900 tokens of some 400 bytes each, far more than
        // the socket and the 64 KiB stream buffer hold.
        String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 1900, \"stream\": true, \"logprobs\": 5, "
                + "\"temperature\": 1, \"seed\": 7, \"logit_bias\": {\"1480\": -100, \"1487\": -100, \"1489\": -100}}";
        try (Socket reader = new Socket()) {
            reader.setReceiveBufferSize(4096);
            reader.connect(address);
            reader.getOutputStream().write(RawHttp.post("/v1/completions", body).getBytes(StandardCharsets.UTF_8));
            reader.getOutputStream().flush();
            long start = System.nanoTime();
            long paused = waitForStillTokens(Duration.ofSeconds(3));
            long generated = paused - tokensBefore;
            assertTrue(generated > 0 && generated < 1900, "the unread stream generated " + generated + " of 1900 tokens before it paused");

            CompletableFuture<String> behind = CompletableFuture.supplyAsync(() -> exchange(RawHttp.post("/v1/chat/completions",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"Name the capital of India.\"}], \"stream\": true, "
                            + "\"max_tokens\": 30, \"temperature\": 0}")));
            String waited = behind.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("unread stream: paused after %d tokens, cancelled and the next stream served after %.1f s%n",
                    generated, seconds);
            // The stream opens with the role's delta at once; then it waits, silent but for the keep-alives.
            int keptAlive = waited.indexOf(": keep-alive");
            assertTrue(keptAlive > 0 && keptAlive < waited.indexOf("\"reasoning_content\""),
                    "the waiting stream had no keep-alive before its first token: " + waited);
            assertTrue(waited.contains("\" Delhi\""), waited);
            assertTrue(seconds < 3 + 3, "the stall timeout is 3 s; the stream behind it waited " + seconds + " s");
            assertEquals(0, metric("glint_requests_running"));
            assertEquals(0, metric("glint_kv_cache_bytes"), "KV blocks still held after the stalled stream was cancelled");
            assertEquals(1, metric("glint_streams_stalled_total"));
            assertTrue(log().contains("did not read its stream for 3 s"), log());
            assertTrue(log().contains("path=/v1/completions status=200 end=stalled"), log());
        }
    }

    /**
     * A thousand connections that never send a byte: others are served meanwhile, the next connections past the limit
     * are refused with a 503 that says so, and all are closed at the idle timeout. The RSS is reported.
     */
    @Test
    void aThousandIdleConnectionsDoNotStopOthersAndAreClosedAtTheIdleTimeout() throws Exception {
        long rssBefore = residentKib();
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                idle.add(connect());
            }
            long worst = 0;
            for (int i = 0; i < 10; i++) {
                worst = Math.max(worst, timeToServe());
            }
            long rssOpen = residentKib();
            long counted = metric("glint_http_connections");
            assertTrue(counted > 1000 && counted <= 1010, "open connections counted: " + counted);
            System.out.printf("1000 idle connections: slowest of 10 requests %d ms; RSS %d -> %d MiB%n", worst,
                    rssBefore / 1024, rssOpen / 1024);
            assertTrue(worst < SERVED_WITHIN.toMillis(), "with 1000 idle connections a request took " + worst + " ms");

            String refused = null;
            for (int i = 0; i < LIMITS.maxConnections() && refused == null; i++) {
                Socket extra = connect();
                idle.add(extra);
                extra.setSoTimeout(50);
                try {
                    int first = extra.getInputStream().read();
                    refused = first < 0 ? "" : (char) first + readToEnd(extra);
                } catch (SocketTimeoutException open) {
                    extra.setSoTimeout(10_000);
                }
            }
            assertTrue(refused != null && refused.startsWith("HTTP/1.1 503") && refused.contains("--max-connections"),
                    "past " + LIMITS.maxConnections() + " connections: " + refused);

            Thread.sleep(LIMITS.idleTimeout().toMillis() + 1000);
            int stillOpen = 0;
            for (Socket socket : idle) {
                socket.setSoTimeout(2000);
                try {
                    if (socket.getInputStream().read() >= 0) {
                        stillOpen++;
                    }
                } catch (IOException closed) {
                    // reset: closed too
                }
            }
            assertEquals(0, stillOpen, "idle connections still open after the idle timeout");
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
        assertTrue(timeToServe() < SERVED_WITHIN.toMillis());
    }

    @Test
    void aBodyOverTheLimitWithExpectContinueGetsA413ThatSaysWhy() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Expect: 100-continue\r\nContent-Length: " + (LIMITS.maxBodyBytes() + 1) + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            String answer = readHead(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            int length = Integer.parseInt(header(answer, "content-length"));
            String body = new String(socket.getInputStream().readNBytes(length), StandardCharsets.UTF_8);
            assertEquals("request_too_large", JSON.readTree(body).at("/error/type").asText(), body);
            assertTrue(body.contains("exceeds " + LIMITS.maxBodyBytes() + " bytes"), body);
        }
    }

    @Test
    void headersOverTheLimitGetA431AndEveryAnswerCarriesARequestId() throws Exception {
        String answer = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(LIMITS.maxHeaderBytes())
                + "\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
        assertTrue(answer.contains("the request headers exceed"), answer);

        String mine = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\nx-request-id: trace-42\r\nConnection: close\r\n\r\n");
        assertEquals("trace-42", header(mine, "x-request-id"));
        String given = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\nx-request-id: not a token\r\nConnection: close\r\n\r\n");
        assertTrue(header(given, "x-request-id").matches("[0-9a-f-]{36}"), given);
        assertTrue(log().contains("id=trace-42 method=GET path=/v1/models status=200 end=complete"), log());
    }

    /** Milliseconds a small chat request takes, start to end, on a connection of its own. */
    private static long timeToServe() {
        long start = System.nanoTime();
        String answer = exchange(RawHttp.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": "
                + "\"Name the capital of India.\"}], \"max_tokens\": 8, \"temperature\": 0}"));
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** The generated-tokens counter once it has stood still for half a second, waiting at most {@code within}. */
    private static long waitForStillTokens(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now = metric("glint_generation_tokens_total");
            if (now == last && metric("glint_requests_running") == 1) {
                return now;
            }
            last = now;
            Thread.sleep(500);
        }
        throw new AssertionError("tokens still being generated for a stream nobody reads after " + within);
    }

    private static long metric(String name) {
        String text = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Matcher value = Pattern.compile("(?m)^" + name + " (\\d+)$").matcher(text);
        assertTrue(value.find(), name + " not in " + text);
        return Long.parseLong(value.group(1));
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(address);
        socket.setSoTimeout(20_000);
        return socket;
    }

    /** Sends a whole request on a new connection and reads until the server closes it. */
    private static String exchange(String request) {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return readToEnd(socket);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Writes {@code text} a byte every {@code millis}, then returns what the server answered. */
    private static String drip(Socket socket, String text, int millis) {
        try {
            OutputStream out = socket.getOutputStream();
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                out.write(b);
                out.flush();
                Thread.sleep(millis);
                if (socket.getInputStream().available() > 0) {
                    break;
                }
            }
        } catch (IOException closed) {
            // the server closed the connection: what it said before is read below
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        try {
            return readToEnd(socket);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String readToEnd(Socket socket) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            socket.getInputStream().transferTo(out);
        } catch (IOException reset) {
            // what arrived before a reset still counts
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] last = new byte[4];
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            System.arraycopy(last, 1, last, 0, 3);
            last[3] = (byte) b;
            if (Arrays.equals(last, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) {
                break;
            }
        }
        return head.toString(StandardCharsets.UTF_8);
    }

    private static String header(String response, String name) {
        Matcher value = Pattern.compile("(?im)^" + name + ": *(.*?)\r?$").matcher(response);
        assertTrue(value.find(), name + " not in " + response);
        return value.group(1);
    }

    /** This JVM's resident memory (the server runs in it), in KiB. */
    private static long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
