package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.scheduler.Scheduler;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server under a mixed load for {@code glint.soak.seconds} (120 by default, on CI; 600 locally as the issue asks):
 * streamed and whole answers, n = 2, tool calls, clients that cancel mid-stream or leave before the answer. Every
 * answer is checked against the eval set's greedy reference, so a lost or mixed-up answer fails; at the end no slot,
 * queue entry or KV block is held, no error was logged, and the live heap has not grown past what a leak of a few
 * kilobytes per request would add.
 */
class SoakTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 4;
    /**
     * Growth of the live heap (after a full GC) from the end of warm-up to the end. A server that kept anything of
     * each request — its body, its answer, its token list — would hold at least a few kilobytes per request, and a
     * soak sends thousands; 32 MiB is far below that and far above the noise of caches filling.
     */
    private static final long LIVE_HEAP_GROWTH_BOUND = 32L << 20;

    /** Far beyond any answer of 200 tokens under this load: a request not answered by then is hung. */
    private static final java.time.Duration ANSWERED_WITHIN = java.time.Duration.ofSeconds(60);

    private enum Mode { WHOLE, STREAMED, TWO_CHOICES, CANCELLED_MID_STREAM, GONE_BEFORE_ANSWER }

    @Test
    void mixedLoadWithInjectedFaultsLosesNothingAndLeavesNothingHeld() throws Exception {
        long seconds = Long.getLong("glint.soak.seconds", 120);
        List<JsonNode> items = new ArrayList<>();
        for (JsonNode item : EvalConversations.items()) {
            if (item.path("correct").asBoolean()) {
                items.add(item);
            }
        }
        KeptLog log = new KeptLog();
        try (ServedModel served = ServedModel.load(Path.of("../models/glm-nano"), new ServedModel.Options("glm-nano", 2, 2048, 4, 256, 64));
             OpenAiServer server = OpenAiServer.start(served, "127.0.0.1", 0, null, HttpLimits.DEFAULTS,
                     new ServerLog(new PrintStream(log, true, StandardCharsets.UTF_8)))) {
            String base = "http://127.0.0.1:" + server.port();
            HttpClient http = HttpClient.newHttpClient();
            Map<Mode, AtomicLong> sent = new ConcurrentHashMap<>();
            List<String> wrong = Collections.synchronizedList(new ArrayList<>());
            Map<Long, long[]> memory = new TreeMap<>();
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    running.add(clients.submit(() -> {
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        while (System.nanoTime() < end && wrong.size() < 10) {
                            JsonNode item = items.get(random.nextInt(items.size()));
                            Mode mode = Mode.values()[random.nextInt(Mode.values().length)];
                            sent.computeIfAbsent(mode, m -> new AtomicLong()).incrementAndGet();
                            String problem;
                            try {
                                problem = send(http, base, item, mode);
                            } catch (IOException e) {
                                problem = "failed: " + e;
                            }
                            if (problem != null) {
                                wrong.add(mode + " item " + item.get("id") + ": " + problem);
                            }
                        }
                        return null;
                    }));
                }
                long nextSample = start;
                while (System.nanoTime() < end) {
                    if (System.nanoTime() >= nextSample) {
                        memory.put((System.nanoTime() - start) / 1_000_000_000L, new long[]{residentMib(), liveHeapMib()});
                        nextSample += Math.max(10, seconds / 12) * 1_000_000_000L;
                    }
                    Thread.sleep(200);
                }
                for (Future<?> client : running) {
                    client.get();
                }
            }
            memory.put((System.nanoTime() - start) / 1_000_000_000L, new long[]{residentMib(), liveHeapMib()});

            long total = sent.values().stream().mapToLong(AtomicLong::get).sum();
            System.out.printf("soak: %d s, %d requests %s; RSS and live heap (MiB) at each second: %s%n", seconds, total,
                    sent, memory.entrySet().stream().map(e -> e.getKey() + "s=" + e.getValue()[0] + "/" + e.getValue()[1]).toList());
            System.out.println("soak: " + log.accessLines + " access lines, " + log.kept.size() + " others, slowest: " + log.slowest);
            assertTrue(wrong.isEmpty(), wrong.size() + " answers lost or mixed up: " + wrong);
            Scheduler.Stats stats = served.scheduler().stats();
            assertEquals(0, stats.running(), "sequences still running");
            assertEquals(0, stats.waiting(), "sequences still waiting");
            assertEquals(0, stats.kvBytes(), "KV bytes still held");
            assertEquals("[]", log.kept.stream().filter(l -> l.contains("level=error")).toList().toString(), "error log lines");
            // The first sample past a sixth of the run is after warm-up: the prefix cache and the JIT have filled.
            long warm = memory.entrySet().stream().filter(e -> e.getKey() >= seconds / 6).findFirst().orElseThrow().getValue()[1];
            long last = memory.get(memory.keySet().stream().max(Long::compare).orElseThrow())[1];
            assertTrue((last - warm) << 20 < LIVE_HEAP_GROWTH_BOUND, "live heap grew from " + warm + " to " + last + " MiB");
        }
    }

    /**
     * The server's log as the soak needs it: access lines counted (with the slowest kept), every other line kept —
     * a long soak must not fill the heap it measures with its own log.
     */
    private static final class KeptLog extends OutputStream {
        final List<String> kept = Collections.synchronizedList(new ArrayList<>());
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        long accessLines;
        String slowest = "";
        private double slowestMillis = -1;

        @Override
        public synchronized void write(int b) {
            if (b != '\n') {
                line.write(b);
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            int total = text.indexOf("total_ms=");
            if (!text.contains("level=access") || total < 0) {
                kept.add(text);
                return;
            }
            accessLines++;
            double millis = Double.parseDouble(text.substring(total + 9));
            if (millis > slowestMillis) {
                slowestMillis = millis;
                slowest = text;
            }
        }
    }

    /** Sends one request as {@code mode} asks; returns what was wrong with its answer, or null. */
    private static String send(HttpClient http, String base, JsonNode item, Mode mode) throws Exception {
        ObjectNode body = EvalConversations.chatRequest(item);
        String expected = summary(item.get("parsed"), false);
        switch (mode) {
            case WHOLE, TWO_CHOICES -> {
                if (mode == Mode.TWO_CHOICES) {
                    body.put("n", 2);
                }
                HttpResponse<String> response = http.send(post(base, body), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    return "status " + response.statusCode() + ": " + response.body();
                }
                for (JsonNode choice : JSON.readTree(response.body()).get("choices")) {
                    String got = summary(choice.get("message"), true);
                    if (!got.equals(expected)) {
                        return "got " + got + ", expected " + expected;
                    }
                }
                return null;
            }
            case STREAMED -> {
                body.put("stream", true);
                HttpResponse<java.util.stream.Stream<String>> response = http.send(post(base, body), HttpResponse.BodyHandlers.ofLines());
                if (response.statusCode() != 200) {
                    return "status " + response.statusCode();
                }
                ObjectNode message = JSON.createObjectNode();
                StringBuilder content = new StringBuilder();
                StringBuilder reasoning = new StringBuilder();
                Map<Integer, ObjectNode> calls = new TreeMap<>();
                for (String line : (Iterable<String>) response.body()::iterator) {
                    if (!line.startsWith("data: {")) {
                        continue;
                    }
                    JsonNode delta = JSON.readTree(line.substring(6)).at("/choices/0/delta");
                    content.append(delta.path("content").asText(""));
                    reasoning.append(delta.path("reasoning_content").asText(""));
                    for (JsonNode call : delta.path("tool_calls")) {
                        ObjectNode function = calls.computeIfAbsent(call.path("index").asInt(), i -> JSON.createObjectNode());
                        if (call.path("function").has("name")) {
                            function.put("name", call.path("function").path("name").asText());
                        }
                        function.put("arguments", function.path("arguments").asText("") + call.path("function").path("arguments").asText(""));
                    }
                }
                message.put("content", content.toString()).put("reasoning_content", reasoning.toString());
                calls.values().forEach(function -> message.withArray("tool_calls").addObject().set("function", function));
                String got = summary(message, true);
                return got.equals(expected) ? null : "streamed " + got + ", expected " + expected;
            }
            case CANCELLED_MID_STREAM -> {
                body.put("stream", true);
                try (Socket socket = new Socket("127.0.0.1", URI.create(base).getPort())) {
                    socket.setSoTimeout((int) ANSWERED_WITHIN.toMillis());
                    socket.getOutputStream().write(RawHttp.post("/v1/chat/completions", body.toString()).getBytes(StandardCharsets.UTF_8));
                    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                    int events = ThreadLocalRandom.current().nextInt(1, 6);
                    // Gone after a few events — or at the end, for an answer shorter than that.
                    for (String line; events > 0 && (line = in.readLine()) != null && !line.equals("data: [DONE]"); ) {
                        if (line.startsWith("data: ")) {
                            events--;
                        }
                    }
                }
                return null;
            }
            case GONE_BEFORE_ANSWER -> {
                try (Socket socket = new Socket("127.0.0.1", URI.create(base).getPort())) {
                    socket.getOutputStream().write(RawHttp.post("/v1/chat/completions", body.toString()).getBytes(StandardCharsets.UTF_8));
                    socket.getOutputStream().flush();
                }
                return null;
            }
        }
        throw new AssertionError(mode);
    }

    /** The answer as one line: content, reasoning, and each tool call's name and arguments. */
    private static String summary(JsonNode message, boolean openAiShape) throws IOException {
        return "content=" + message.path("content").asText("") + " reasoning=" + message.path("reasoning_content").asText("")
                + " calls=" + EvalConversations.referenceToolCalls(message.path("tool_calls"), openAiShape);
    }

    private static HttpRequest post(String base, JsonNode body) {
        return HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).header("Content-Type", "application/json")
                .timeout(ANSWERED_WITHIN)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    private static long residentMib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    /** Heap in use after a full collection: what the process still holds on to. */
    private static long liveHeapMib() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    }
}
