package dev.glint.server.http;

import dev.glint.engine.scheduler.Scheduler;

import java.util.concurrent.atomic.AtomicLong;

/** Prometheus text-format counters of the server and its scheduler. */
final class Metrics {
    private final AtomicLong requests = new AtomicLong();

    void requestStarted() {
        requests.incrementAndGet();
    }

    String render(ServedModel served) {
        Scheduler.Stats stats = served.scheduler().stats();
        StringBuilder out = new StringBuilder();
        metric(out, "glint_requests_total", "counter", "Completion requests received.", requests.get());
        metric(out, "glint_requests_running", "gauge", "Sequences being generated.", stats.running());
        metric(out, "glint_requests_waiting", "gauge", "Sequences waiting for a slot.", stats.waiting());
        metric(out, "glint_prompt_tokens_total", "counter", "Prompt tokens prefilled.", stats.promptTokens());
        metric(out, "glint_generation_tokens_total", "counter", "Tokens generated.", stats.generatedTokens());
        metric(out, "glint_engine_steps_total", "counter", "Forward steps of the engine loop.", stats.steps());
        return out.toString();
    }

    private static void metric(StringBuilder out, String name, String type, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(' ').append(value).append('\n');
    }
}
