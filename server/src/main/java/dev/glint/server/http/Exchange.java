package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.scheduler.TokenSink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * One request's way back to its client: a whole JSON response, or a stream of server-sent events. The protocol
 * adapters write through this and know nothing of Netty; writes may come from a worker, the engine thread or the
 * event loop. It also keeps the request's access-log record, its id (sent back as {@code x-request-id}), a silent
 * stream's heartbeat, and the stream's backpressure: a client that stops reading pauses its producer, and one that
 * stays away past the stream buffer or the stall timeout is disconnected (which cancels the generation).
 */
final class Exchange {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A client's own request id is kept when it is a plain token of reasonable length. */
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** What a streamed generation does when its client stops and starts reading again. */
    interface Producer {
        void pause();

        void resume();
    }

    private final ChannelHandlerContext ctx;
    private final HttpLimits limits;
    private final ServerLog log;
    private final Metrics metrics;
    private final Runnable onDone;
    private final boolean keepAlive;
    private final String id;
    private final String method;
    private final String path;
    private final long arrived = System.nanoTime();
    private final AtomicBoolean logged = new AtomicBoolean();
    private volatile int status;
    private volatile boolean ended;
    private volatile String end = "complete";
    private volatile long lastWrite = arrived;
    private volatile TokenSink.Usage usage;
    private volatile long queueNanos = -1;
    private volatile long firstTokenNanos = -1;
    /**
     * What runs if the connection closes before the answer is out. A kept-alive connection serves many requests:
     * each takes its listener off again when it finishes, or they would pile up, each holding its whole generation.
     */
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
    private final GenericFutureListener<Future<? super Void>> closedEarly = closed -> {
        finish("client_gone");
        onClose.forEach(Runnable::run);
    };
    /** Touched on the event loop only. */
    private Producer producer;
    private boolean paused;
    private long pauses;

    Exchange(ChannelHandlerContext ctx, HttpRequest request, HttpLimits limits, ServerLog log, Metrics metrics,
             Runnable onDone) {
        this.ctx = ctx;
        this.limits = limits;
        this.log = log;
        this.metrics = metrics;
        this.onDone = onDone;
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.id = requestId(request);
        this.method = request.method().name();
        this.path = new QueryStringDecoder(request.uri()).path();
        ctx.channel().closeFuture().addListener(closedEarly);
    }

    /** The client's {@code x-request-id} when it is a plain token of reasonable length, else a new one. */
    static String requestId(HttpMessage request) {
        String given = request.headers().get("x-request-id");
        return given != null && CLIENT_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    }

    String id() {
        return id;
    }

    String path() {
        return path;
    }

    void json(HttpResponseStatus status, JsonNode body) {
        text(status, "application/json", body.toString());
    }

    void text(HttpResponseStatus status, String contentType, String body) {
        this.status = status.code();
        FullHttpResponse response = fullResponse(status, contentType, body, id);
        ended = true;
        response.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response, lastWrite(!keepAlive));
    }

    /** A whole response, with the headers every answer of this server carries. */
    static FullHttpResponse fullResponse(HttpResponseStatus status, String contentType, String body, String requestId) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType + "; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        response.headers().set("x-request-id", requestId);
        if (status == HttpResponseStatus.TOO_MANY_REQUESTS || status == HttpResponseStatus.SERVICE_UNAVAILABLE) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        if (status == HttpResponseStatus.UNAUTHORIZED) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        return response;
    }

    /**
     * Opens an event stream; while it is silent for {@link HttpLimits#heartbeat} (a long prefill, a wait in the
     * queue) {@code heartbeat} is written — null for an SSE comment, which every client skips.
     */
    void startEvents(Runnable heartbeat) {
        status = HttpResponseStatus.OK.code();
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        response.headers().set("x-request-id", id);
        ctx.writeAndFlush(response);
        lastWrite = System.nanoTime();
        keepAlive(heartbeat == null ? () -> write(": keep-alive\n\n") : heartbeat);
    }

    /** Checks twice per heartbeat period, on the event loop, so a stream is never silent much longer than one. */
    private void keepAlive(Runnable heartbeat) {
        long period = limits.heartbeat().toNanos();
        ctx.executor().schedule(() -> {
            if (ended || !isOpen()) {
                return;
            }
            if (System.nanoTime() - lastWrite >= period) {
                heartbeat.run();
            }
            keepAlive(heartbeat);
        }, period / 2, TimeUnit.NANOSECONDS);
    }

    /** An event with only data, as OpenAI streams them. */
    void event(String data) {
        write("data: " + data + "\n\n");
    }

    /** A named event, as Anthropic and the Responses API stream them. */
    void event(String name, String data) {
        write("event: " + name + "\ndata: " + data + "\n\n");
    }

    private void write(String text) {
        lastWrite = System.nanoTime();
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
        if (!ctx.channel().isWritable() && ctx.channel().bytesBeforeWritable() > limits.streamBuffer() / 2) {
            ctx.executor().execute(() -> stall("its stream buffer of " + limits.streamBuffer() + " bytes is full"));
        }
    }

    /** Ends a stream; a stream that ended in an error also closes the connection. */
    void endEvents(boolean failed) {
        ended = true;
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, lastWrite(!keepAlive || failed));
    }

    /**
     * The promise of an answer's last write, its listeners in place before the write is queued: written from a worker
     * or the engine thread, the write may complete and the client close the connection before a listener added
     * afterwards runs, and the request would be logged as the client's loss.
     */
    private ChannelPromise lastWrite(boolean close) {
        ChannelPromise promise = ctx.newPromise();
        promise.addListener(written -> finish("complete"));
        if (close) {
            promise.addListener(ChannelFutureListener.CLOSE);
        }
        return promise;
    }

    boolean isOpen() {
        return ctx.channel().isActive();
    }

    /** Runs {@code action} if the connection closes before the answer is out (at once if it already has). */
    void onClose(Runnable action) {
        onClose.add(action);
        if (ctx.channel().closeFuture().isDone()) {
            action.run();
        }
    }

    /** The generation got a slot: its wait is over (for the access log). */
    void started() {
        if (queueNanos < 0) {
            queueNanos = System.nanoTime() - arrived;
        }
    }

    void firstToken() {
        if (firstTokenNanos < 0) {
            firstTokenNanos = System.nanoTime() - arrived;
        }
    }

    void usage(TokenSink.Usage usage) {
        this.usage = usage;
    }

    /** Registers what pauses while the client does not read; called before the stream opens. */
    void throttle(Producer producer) {
        ctx.executor().execute(() -> this.producer = producer);
    }

    /** The channel's writability changed (on the event loop): pause or resume the producer, and time the pause. */
    void writabilityChanged() {
        if (producer == null || ended) {
            return;
        }
        if (!ctx.channel().isWritable() && !paused) {
            paused = true;
            producer.pause();
            long pause = ++pauses;
            ctx.executor().schedule(() -> {
                if (paused && pauses == pause) {
                    stall("it did not read its stream for " + limits.streamStall().toSeconds() + " s");
                }
            }, limits.streamStall().toNanos(), TimeUnit.NANOSECONDS);
        } else if (ctx.channel().isWritable() && paused) {
            paused = false;
            producer.resume();
        }
    }

    /** Gives up on a client that does not read: closing the connection cancels the generation and frees its KV. */
    private void stall(String why) {
        if (ended || !isOpen()) {
            return;
        }
        end = "stalled";
        metrics.streamStalled();
        log.warn(id, "closed the connection of " + method + " " + path + ": " + why);
        ctx.close();
    }

    /** Logs the request once, when its answer is written or its connection closes, and lets the next one in. */
    private void finish(String how) {
        if (!logged.compareAndSet(false, true)) {
            return;
        }
        if (!how.equals("client_gone")) {
            ctx.channel().closeFuture().removeListener(closedEarly);
        }
        TokenSink.Usage used = usage;
        String outcome = end.equals("stalled") ? end : how;
        log.access(new ServerLog.Access(id, method, path, status, outcome,
                used == null ? -1 : used.promptTokens(), used == null ? -1 : used.cachedTokens(),
                used == null ? -1 : used.generatedTokens(), queueNanos, firstTokenNanos, System.nanoTime() - arrived));
        if (outcome.equals("complete")) {
            onDone.run();
        }
    }
}
