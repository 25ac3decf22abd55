package dev.glint.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load on a running server: streaming chat requests from N clients at once, for each N the requests per second,
 * generated tokens per second over all streams, and the 50th/99th percentile time to first token.
 */
@Command(name = "load", description = "Measures a running server under 1, 4, 16 concurrent streaming clients.")
final class LoadCommand implements Callable<Integer> {
    private static final String[] QUESTIONS = {
            "What is 37 + 45?", "Name the capital of India.", "How many letters are in the word star?",
            "Which city is the capital of Brazil?", "Hello", "Compute 70 + 25.", "What is 94 minus 1?", "Who are you?"};

    @Option(names = "--url", paramLabel = "URL", description = "The server's API base (default ${DEFAULT-VALUE}).")
    String url = "http://127.0.0.1:8080/v1";

    @Option(names = "--api-key", paramLabel = "KEY", description = "Key to send, if the server wants one.")
    String apiKey;

    @Option(names = "--concurrency", split = ",", paramLabel = "N", description = "Concurrent clients (default ${DEFAULT-VALUE}).")
    List<Integer> concurrency = List.of(1, 4, 16);

    @Option(names = "--requests", paramLabel = "N", description = "Requests per concurrency level (default ${DEFAULT-VALUE}).")
    int requests = 32;

    @Option(names = "--max-tokens", paramLabel = "N", description = "max_tokens of each request (default ${DEFAULT-VALUE}).")
    int maxTokens = 128;

    private record Sample(double ttftSeconds, int tokens) {
    }

    @Override
    public Integer call() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        System.out.printf("%-11s %10s %12s %14s %14s%n", "concurrency", "req/s", "gen tok/s", "TTFT p50 ms", "TTFT p99 ms");
        for (int clients : concurrency) {
            send(client, 0);
            List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger next = new AtomicInteger();
            long start = System.nanoTime();
            try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
                List<Future<?>> workers = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    workers.add(pool.submit(() -> {
                        for (int r; (r = next.getAndIncrement()) < requests; ) {
                            samples.add(send(client, r));
                        }
                        return null;
                    }));
                }
                for (Future<?> worker : workers) {
                    worker.get();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Double> ttft = samples.stream().map(Sample::ttftSeconds).sorted().toList();
            int tokens = samples.stream().mapToInt(Sample::tokens).sum();
            System.out.printf("%-11d %10.2f %12.1f %14.1f %14.1f%n", clients, samples.size() / seconds, tokens / seconds,
                    1000 * percentile(ttft, 0.50), 1000 * percentile(ttft, 0.99));
        }
        return 0;
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /** One streaming request; its time to the first delta and its completion tokens from the usage chunk. */
    private Sample send(HttpClient client, int index) throws IOException, InterruptedException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode().put("stream", true).put("max_tokens", maxTokens).put("temperature", 0);
        body.putArray("messages").addObject().put("role", "user").put("content", QUESTIONS[index % QUESTIONS.length]);
        body.putObject("stream_options").put("include_usage", true);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        long sent = System.nanoTime();
        HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + response.statusCode() + ": "
                    + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        double ttft = -1;
        int tokens = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                JsonNode chunk = json.readTree(line.substring(6));
                JsonNode delta = chunk.path("choices").path(0).path("delta");
                if (ttft < 0 && (delta.hasNonNull("reasoning_content") || delta.path("content").asText("").length() > 0
                        || delta.has("tool_calls"))) {
                    ttft = (System.nanoTime() - sent) / 1e9;
                }
                if (chunk.hasNonNull("usage")) {
                    tokens = chunk.get("usage").path("completion_tokens").asInt();
                }
            }
        }
        return new Sample(ttft, tokens);
    }
}
