package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One request's way back to its client: a whole JSON response, or a stream of server-sent events. The protocol
 * adapters write through this and know nothing of Netty; writes may come from the event loop or the engine thread.
 */
final class Exchange {
    static final ObjectMapper JSON = new ObjectMapper();

    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;

    Exchange(ChannelHandlerContext ctx, boolean keepAlive) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
    }

    void json(HttpResponseStatus status, JsonNode body) {
        text(status, "application/json", body.toString());
    }

    void text(HttpResponseStatus status, String contentType, String body) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType + "; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        if (status == HttpResponseStatus.TOO_MANY_REQUESTS || status == HttpResponseStatus.SERVICE_UNAVAILABLE) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        if (status == HttpResponseStatus.UNAUTHORIZED) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    void startEvents() {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.writeAndFlush(response);
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
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    /** Ends a stream; a stream that ended in an error also closes the connection. */
    void endEvents(boolean failed) {
        var last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive || failed) {
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }

    boolean isOpen() {
        return ctx.channel().isActive();
    }

    void onClose(Runnable action) {
        ctx.channel().closeFuture().addListener(closed -> action.run());
    }

    /**
     * Runs {@code action} on the connection's event loop every {@code seconds} for as long as {@code wanted} says so
     * and the connection is open.
     */
    void every(int seconds, BooleanSupplier wanted, Runnable action) {
        ctx.executor().schedule(() -> {
            if (wanted.getAsBoolean() && isOpen()) {
                action.run();
                every(seconds, wanted, action);
            }
        }, seconds, TimeUnit.SECONDS);
    }
}
