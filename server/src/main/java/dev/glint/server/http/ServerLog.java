package dev.glint.server.http;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server's log: one access line per request and one line per error, each a logfmt record ({@code key=value},
 * values quoted where needed, a stack trace kept on its line) so a log shipper reads them without a pattern.
 */
public final class ServerLog {
    private final PrintStream out;

    public ServerLog(PrintStream out) {
        this.out = out;
    }

    public static ServerLog stderr() {
        return new ServerLog(System.err);
    }

    /**
     * A request that got its answer, or lost its client: {@code end} is {@code complete}, {@code client_gone} (the
     * connection closed first) or {@code stalled} (the client stopped reading its stream). Token counts and timings
     * are those of a generation, absent (negative) for other requests.
     */
    record Access(String id, String method, String path, int status, String end, int promptTokens, int cachedTokens,
                  int generatedTokens, long queueNanos, long firstTokenNanos, long totalNanos) {
    }

    void access(Access a) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", a.id());
        fields.put("method", a.method());
        fields.put("path", a.path());
        fields.put("status", a.status());
        fields.put("end", a.end());
        if (a.promptTokens() >= 0) {
            fields.put("prompt_tokens", a.promptTokens());
            fields.put("cached_tokens", a.cachedTokens());
            fields.put("generated_tokens", a.generatedTokens());
        }
        if (a.queueNanos() >= 0) {
            fields.put("queue_ms", millis(a.queueNanos()));
        }
        if (a.firstTokenNanos() >= 0) {
            fields.put("ttft_ms", millis(a.firstTokenNanos()));
        }
        fields.put("total_ms", millis(a.totalNanos()));
        write("access", fields);
    }

    /** A client's fault the server acted on (a stream it stopped reading, a request it never finished sending). */
    void warn(String id, String what) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (id != null) {
            fields.put("id", id);
        }
        fields.put("what", what);
        write("warn", fields);
    }

    /** A fault of this server (a 500), or of a connection, under the request id its client was given if any. */
    void error(String id, String what, Throwable cause) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (id != null) {
            fields.put("id", id);
        }
        fields.put("what", what);
        if (cause != null) {
            fields.put("error", String.valueOf(cause));
            StringWriter trace = new StringWriter();
            cause.printStackTrace(new PrintWriter(trace));
            fields.put("stack", trace.toString().strip());
        }
        write("error", fields);
    }

    private static String millis(long nanos) {
        return String.format("%.1f", nanos / 1e6);
    }

    private void write(String level, Map<String, Object> fields) {
        StringBuilder line = new StringBuilder("time=").append(Instant.now()).append(" level=").append(level);
        fields.forEach((key, value) -> line.append(' ').append(key).append('=').append(quoted(String.valueOf(value))));
        out.println(line);
    }

    /** A logfmt value: bare when it has no space, quote, equals sign or control character, else quoted and escaped. */
    static String quoted(String value) {
        boolean bare = !value.isEmpty() && value.chars().allMatch(c -> c > ' ' && c != '"' && c != '=' && c != '\\' && c != 0x7f);
        if (bare) {
            return value;
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < ' ' || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
