package dev.glint.server.http;

import java.time.Duration;

/**
 * What the HTTP layer accepts before a request reaches a protocol adapter, and how long it waits. Each has a
 * {@code glint serve} flag; the defaults are what a team's shared endpoint on one machine needs.
 *
 * @param maxHeaderBytes     request line plus headers; more is a 431 (414 for the line alone)
 * @param maxBodyBytes       a request body; more is a 413, the connection kept
 * @param maxConnections     open connections; the next one gets a 503 and is closed
 * @param requestReadTimeout from a request's first byte to its last; a slower client gets a 408 and is closed
 *                           (slowloris: headers a byte at a time)
 * @param idleTimeout        a kept-alive connection with no request in flight is closed after this long
 * @param workers            threads that parse, render the chat template and tokenize, off the I/O threads
 * @param workQueue          requests waiting for a worker; more get a 503
 * @param streamBuffer       bytes a stream may have waiting for a client that does not read, a quarter of them in
 *                           the kernel's socket buffer: past half of it the sequence is paused, past three quarters
 *                           (or after {@code streamStall} paused) it is cancelled
 * @param streamStall        how long a paused stream may wait for its client to read again
 * @param heartbeat          a stream silent this long gets a keep-alive (an SSE comment, or the protocol's ping)
 */
public record HttpLimits(int maxHeaderBytes, int maxBodyBytes, int maxConnections, Duration requestReadTimeout,
                         Duration idleTimeout, int workers, int workQueue, int streamBuffer, Duration streamStall,
                         Duration heartbeat) {
    public static final HttpLimits DEFAULTS = new HttpLimits(16 * 1024, 32 * 1024 * 1024, 1024, Duration.ofSeconds(30),
            Duration.ofMinutes(5), Math.max(2, Runtime.getRuntime().availableProcessors()), 256, 1024 * 1024,
            Duration.ofSeconds(60), Duration.ofSeconds(10));

    public HttpLimits {
        if (maxHeaderBytes < 1024 || maxBodyBytes < 1024 || maxConnections < 1 || workers < 1 || workQueue < 0
                || streamBuffer < 4096) {
            throw new IllegalArgumentException("header and body limits must be at least 1024 bytes, the stream buffer "
                    + "4096, connections and workers at least 1");
        }
        for (Duration d : new Duration[]{requestReadTimeout, idleTimeout, streamStall, heartbeat}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts and the heartbeat must be positive, got " + d);
            }
        }
    }
}
