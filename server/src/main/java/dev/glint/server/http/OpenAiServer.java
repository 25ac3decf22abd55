package dev.glint.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP front: Netty's two event loops move bytes and enforce {@link HttpLimits} (connections, header and body
 * size, how long a request may take to arrive, idle connections, stream buffers), and hand whole requests to
 * {@link RequestHandler}.
 */
public final class OpenAiServer implements AutoCloseable {
    private final ServedModel served;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final RequestHandler handler;
    private final Channel channel;

    private OpenAiServer(ServedModel served, String host, int port, String apiKey, HttpLimits limits, ServerLog log)
            throws InterruptedException {
        this.served = served;
        ConnectionLimit connections = new ConnectionLimit(limits.maxConnections(), log);
        this.handler = new RequestHandler(served, apiKey, new Metrics(connections::open), limits, log);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                // The kernel's share of a stream buffer is bounded too: left to autotuning it could hold megabytes
                // for each client that does not read.
                .childOption(ChannelOption.SO_SNDBUF, limits.streamBuffer() / 4)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(limits.streamBuffer() / 4, limits.streamBuffer() / 2))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(connections)
                                .addLast(new RequestDeadline(limits.requestReadTimeout().toNanos(), log))
                                .addLast(new IdleStateHandler(0, 0, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS))
                                .addLast(new HttpServerCodec(limits.maxHeaderBytes(), limits.maxHeaderBytes(), 64 * 1024))
                                .addLast(new HttpServerKeepAliveHandler())
                                .addLast(new SizedAggregator(limits.maxBodyBytes(), handler))
                                .addLast(handler);
                    }
                });
        this.channel = bootstrap.bind(host, port).sync().channel();
    }

    public static OpenAiServer start(ServedModel served, String host, int port, String apiKey) throws InterruptedException {
        return start(served, host, port, apiKey, HttpLimits.DEFAULTS, ServerLog.stderr());
    }

    public static OpenAiServer start(ServedModel served, String host, int port, String apiKey, HttpLimits limits,
                                     ServerLog log) throws InterruptedException {
        return new OpenAiServer(served, host, port, apiKey, limits, log);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** From now on new requests get 503; those already taken go on (a rolling restart's first step). */
    public void drain() {
        handler.drain();
    }

    /** Drains, lets running and waiting requests finish (30 s at most), then closes the socket. */
    @Override
    public void close() {
        drain();
        handler.close();
        served.scheduler().close();
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A response written before (or instead of) any request: the connection closes after it. */
    private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        ApiException refusal = new ApiException(status, "invalid_request_error", null, message);
        FullHttpResponse response = Exchange.fullResponse(status, "application/json",
                OpenAiRenderer.errorBody(refusal).toString(), UUID.randomUUID().toString());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.pipeline().writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** Past {@code max} open connections, a new one is told so (503) and closed. */
    @ChannelHandler.Sharable
    private static final class ConnectionLimit extends ChannelInboundHandlerAdapter {
        private final int max;
        private final ServerLog log;
        private final AtomicInteger open = new AtomicInteger();

        ConnectionLimit(int max, ServerLog log) {
            this.max = max;
            this.log = log;
        }

        int open() {
            return open.get();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            ctx.channel().closeFuture().addListener(closed -> open.decrementAndGet());
            if (open.incrementAndGet() > max) {
                log.warn(null, "refused a connection from " + ctx.channel().remoteAddress() + ": " + max + " are open");
                // Nothing of it is read: its requests never reach the handlers after this one.
                ctx.channel().config().setAutoRead(false);
                refuse(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "the server has " + max
                        + " open connections, its limit (--max-connections); retry later");
                return;
            }
            super.channelActive(ctx);
        }
    }

    /**
     * A request must arrive whole within the read timeout of its first byte: a client that sends its headers a byte
     * at a time (slowloris) or never finishes its body gets a 408 and is closed, instead of holding the connection.
     */
    static final class RequestDeadline extends ChannelInboundHandlerAdapter {
        private final long timeoutNanos;
        private final ServerLog log;
        private ScheduledFuture<?> deadline;

        RequestDeadline(long timeoutNanos, ServerLog log) {
            this.timeoutNanos = timeoutNanos;
            this.log = log;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (deadline == null && msg instanceof ByteBuf bytes && bytes.isReadable()) {
                deadline = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
            }
            super.channelRead(ctx, msg);
        }

        /** The request arrived whole (or was refused as too large): the clock stops until the next one's first byte. */
        void met() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }

        private void expire(ChannelHandlerContext ctx) {
            deadline = null;
            String why = "a request from " + ctx.channel().remoteAddress() + " did not arrive whole within "
                    + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s of its first byte";
            log.warn(null, "closed a connection: " + why);
            if (RequestHandler.busy(ctx.channel())) {
                ctx.close();
            } else {
                refuse(ctx, HttpResponseStatus.REQUEST_TIMEOUT, why + " (--request-read-timeout)");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            met();
            super.channelInactive(ctx);
        }
    }

    /** Refuses an oversized body with a 413 in the protocol's shape instead of Netty's bare one. */
    private static final class SizedAggregator extends HttpObjectAggregator {
        private final int maxBytes;
        private final RequestHandler handler;

        SizedAggregator(int maxBytes, RequestHandler handler) {
            super(maxBytes);
            this.maxBytes = maxBytes;
            this.handler = handler;
        }

        /**
         * Answers at once but keeps the connection: closing it while the client is still uploading would reset it
         * before the client reads the answer. The aggregator discards the rest of the body.
         */
        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            met(ctx);
            ctx.writeAndFlush(tooLarge(oversized));
        }

        /** A client that asked to {@code Expect: 100-continue} gets the same 413, with its body, before it uploads. */
        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, io.netty.channel.ChannelPipeline pipeline) {
            Object response = super.newContinueResponse(start, maxContentLength, pipeline);
            if (response instanceof FullHttpResponse refusal && refusal.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
                String connection = refusal.headers().get(HttpHeaderNames.CONNECTION);
                ReferenceCountUtil.release(refusal);
                met(pipeline.context(this));
                FullHttpResponse withBody = tooLarge(start);
                if (connection != null) {
                    withBody.headers().set(HttpHeaderNames.CONNECTION, connection);
                }
                return withBody;
            }
            return response;
        }

        private FullHttpResponse tooLarge(HttpMessage oversized) {
            ApiException tooLarge = new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error",
                    null, "the request body exceeds " + maxBytes + " bytes (--max-body-bytes)");
            String uri = oversized instanceof HttpRequest request ? request.uri() : "/";
            return Exchange.fullResponse(tooLarge.status(), "application/json",
                    handler.errorBody(uri, tooLarge).toString(), Exchange.requestId(oversized));
        }

        private static void met(ChannelHandlerContext ctx) {
            RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
            if (deadline != null) {
                deadline.met();
            }
        }
    }
}
