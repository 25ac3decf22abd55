package dev.glint.server.cli;

import dev.glint.server.http.HttpLimits;
import dev.glint.server.http.RequestLimits;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The server's limits as {@code glint serve} flags; each default is the one {@link HttpLimits} and {@link RequestLimits} document. */
final class LimitOptions {
    private static final HttpLimits HTTP = HttpLimits.DEFAULTS;
    private static final RequestLimits REQUEST = RequestLimits.DEFAULTS;

    @Option(names = "--max-header-bytes", paramLabel = "N", description = "Request line plus headers, in bytes; more is a 431 (default ${DEFAULT-VALUE}).")
    int maxHeaderBytes = HTTP.maxHeaderBytes();

    @Option(names = "--max-body-bytes", paramLabel = "N", description = "A request body, in bytes; more is a 413 (default ${DEFAULT-VALUE}).")
    int maxBodyBytes = HTTP.maxBodyBytes();

    @Option(names = "--max-connections", paramLabel = "N", description = "Open connections; the next gets a 503 (default ${DEFAULT-VALUE}).")
    int maxConnections = HTTP.maxConnections();

    @Option(names = "--request-read-timeout", paramLabel = "SECONDS", description = "From a request's first byte to its last; "
            + "a slower client gets a 408 (default ${DEFAULT-VALUE}).")
    long requestReadTimeout = HTTP.requestReadTimeout().toSeconds();

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", description = "A kept-alive connection with no request is "
            + "closed after this long (default ${DEFAULT-VALUE}).")
    long idleTimeout = HTTP.idleTimeout().toSeconds();

    @Option(names = "--http-workers", paramLabel = "N", description = "Threads that parse requests, render the chat "
            + "template and tokenize (default ${DEFAULT-VALUE}).")
    int workers = HTTP.workers();

    @Option(names = "--http-queue", paramLabel = "N", description = "Requests waiting for such a thread; more get a 503 "
            + "(default ${DEFAULT-VALUE}).")
    int workQueue = HTTP.workQueue();

    @Option(names = "--stream-buffer", paramLabel = "BYTES", description = "What a stream may hold for a client that does "
            + "not read: past half it is paused, past all of it cancelled (default ${DEFAULT-VALUE}).")
    int streamBuffer = HTTP.streamBuffer();

    @Option(names = "--stream-stall-timeout", paramLabel = "SECONDS", description = "How long a paused stream waits for "
            + "its client to read before it is cancelled and its KV freed (default ${DEFAULT-VALUE}).")
    long streamStall = HTTP.streamStall().toSeconds();

    @Option(names = "--sse-keepalive", paramLabel = "SECONDS", description = "A stream silent this long (queue, long "
            + "prefill) gets a keep-alive comment, or Anthropic's ping (default ${DEFAULT-VALUE}).")
    long heartbeat = HTTP.heartbeat().toSeconds();

    @Option(names = "--max-stops", paramLabel = "N", description = "Stop strings in one request (default ${DEFAULT-VALUE}).")
    int maxStops = REQUEST.maxStops();

    @Option(names = "--max-stop-chars", paramLabel = "N", description = "Characters of one stop string (default ${DEFAULT-VALUE}).")
    int maxStopChars = REQUEST.maxStopChars();

    @Option(names = "--max-choices", paramLabel = "N", description = "Largest n (default ${DEFAULT-VALUE}).")
    int maxChoices = REQUEST.maxChoices();

    @Option(names = "--max-messages", paramLabel = "N", description = "Messages in one conversation (default ${DEFAULT-VALUE}).")
    int maxMessages = REQUEST.maxMessages();

    @Option(names = "--max-tools", paramLabel = "N", description = "Tools declared in one request (default ${DEFAULT-VALUE}).")
    int maxTools = REQUEST.maxTools();

    @Option(names = "--max-schema-chars", paramLabel = "N", description = "One JSON schema (response_format, a tool's "
            + "parameters) as JSON text (default ${DEFAULT-VALUE}).")
    int maxSchemaChars = REQUEST.maxSchemaChars();

    HttpLimits http() {
        return new HttpLimits(maxHeaderBytes, maxBodyBytes, maxConnections, Duration.ofSeconds(requestReadTimeout),
                Duration.ofSeconds(idleTimeout), workers, workQueue, streamBuffer, Duration.ofSeconds(streamStall),
                Duration.ofSeconds(heartbeat));
    }

    RequestLimits request() {
        return new RequestLimits(maxStops, maxStopChars, maxChoices, maxMessages, maxTools, maxSchemaChars);
    }
}
