package dev.glint.server.http;

import dev.glint.engine.scheduler.Scheduler;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;

/** Prometheus text-format counters and latency histograms of the server and its scheduler. */
final class Metrics {
    private final IntSupplier openConnections;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong streamsStalled = new AtomicLong();
    private final AtomicLong unknownFields = new AtomicLong();
    private final Histogram timeToFirstToken = new Histogram("glint_time_to_first_token_seconds",
            "Seconds from a request's arrival to its first generated token.",
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    private final Histogram interTokenLatency = new Histogram("glint_inter_token_latency_seconds",
            "Seconds between consecutive tokens of a sequence.",
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1);

    Metrics(IntSupplier openConnections) {
        this.openConnections = openConnections;
    }

    /** A stream whose client stopped reading was cancelled (past its buffer or its stall timeout). */
    void streamStalled() {
        streamsStalled.incrementAndGet();
    }

    void requestStarted() {
        requests.incrementAndGet();
    }

    /** A request carried a top-level field its protocol does not know: accepted, and counted here. */
    void unknownField() {
        unknownFields.incrementAndGet();
    }

    void firstToken(long nanos) {
        timeToFirstToken.observe(nanos / 1e9);
    }

    void nextToken(long nanos) {
        interTokenLatency.observe(nanos / 1e9);
    }

    String render(ServedModel served) {
        Scheduler.Stats stats = served.scheduler().stats();
        StringBuilder out = new StringBuilder();
        metric(out, "glint_requests_total", "counter", "Completion requests received.", requests.get());
        metric(out, "glint_request_fields_unknown_total", "counter",
                "Top-level request fields no protocol adapter reads, accepted and ignored.", unknownFields.get());
        metric(out, "glint_http_connections", "gauge", "Open HTTP connections.", openConnections.getAsInt());
        metric(out, "glint_streams_stalled_total", "counter",
                "Streams cancelled because their client stopped reading them.", streamsStalled.get());
        metric(out, "glint_requests_running", "gauge", "Sequences being generated.", stats.running());
        metric(out, "glint_requests_waiting", "gauge", "Sequences waiting for a slot.", stats.waiting());
        metric(out, "glint_prompt_tokens_total", "counter", "Prompt tokens prefilled.", stats.promptTokens());
        metric(out, "glint_generation_tokens_total", "counter", "Tokens generated.", stats.generatedTokens());
        metric(out, "glint_engine_steps_total", "counter", "Forward steps of the engine loop.", stats.steps());
        metric(out, "glint_kv_cache_bytes", "gauge", "Bytes of KV pool blocks held by running sequences.", stats.kvBytes());
        metric(out, "glint_kv_pool_bytes", "gauge", "Bytes of the KV pool all sequences share.", stats.kvPoolBytes());
        metric(out, "glint_prefix_cache_queries_total", "counter", "Prompt tokens looked up in the prefix cache.",
                stats.prefixQueriedTokens());
        metric(out, "glint_prefix_cache_hits_total", "counter", "Prompt tokens found in the prefix cache.",
                stats.prefixHitTokens());
        metric(out, "glint_preemptions_total", "counter", "Sequences preempted for KV blocks, to be recomputed.",
                stats.preemptions());
        metric(out, "glint_spec_decode_draft_tokens_total", "counter",
                "Tokens guessed ahead (speculative decoding) and verified.", stats.draftTokens());
        metric(out, "glint_spec_decode_accepted_tokens_total", "counter",
                "Guessed tokens the model confirmed: generated without a step of their own.", stats.acceptedDraftTokens());
        timeToFirstToken.render(out);
        interTokenLatency.render(out);
        return out.toString();
    }

    private static void metric(StringBuilder out, String name, String type, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(' ').append(value).append('\n');
    }

    /** A Prometheus histogram: cumulative counts per upper bound, a sum and a count. */
    private static final class Histogram {
        private final String name;
        private final String help;
        private final double[] bounds;
        private final AtomicLongArray counts;
        private final AtomicLong sumMicros = new AtomicLong();
        private final AtomicLong count = new AtomicLong();

        Histogram(String name, String help, double... bounds) {
            this.name = name;
            this.help = help;
            this.bounds = bounds;
            this.counts = new AtomicLongArray(bounds.length);
        }

        void observe(double seconds) {
            for (int i = 0; i < bounds.length; i++) {
                if (seconds <= bounds[i]) {
                    counts.incrementAndGet(i);
                }
            }
            sumMicros.addAndGet(Math.round(seconds * 1e6));
            count.incrementAndGet();
        }

        void render(StringBuilder out) {
            out.append("# HELP ").append(name).append(' ').append(help).append('\n');
            out.append("# TYPE ").append(name).append(" histogram\n");
            for (int i = 0; i < bounds.length; i++) {
                out.append(name).append("_bucket{le=\"").append(bounds[i]).append("\"} ").append(counts.get(i)).append('\n');
            }
            out.append(name).append("_bucket{le=\"+Inf\"} ").append(count.get()).append('\n');
            out.append(name).append("_sum ").append(sumMicros.get() / 1e6).append('\n');
            out.append(name).append("_count ").append(count.get()).append('\n');
        }
    }
}
