package dev.glint.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The HTTP front: Netty event loops parse requests and hand them to {@link RequestHandler}. */
public final class OpenAiServer implements AutoCloseable {
    /** Largest request body accepted; a longer one is refused with 413. */
    static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

    private final ServedModel served;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final RequestHandler handler;
    private final Channel channel;

    private OpenAiServer(ServedModel served, String host, int port, String apiKey) throws InterruptedException {
        this.served = served;
        this.handler = new RequestHandler(served, apiKey, new Metrics());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpServerKeepAliveHandler())
                                .addLast(new SizedAggregator(handler))
                                .addLast(handler);
                    }
                });
        this.channel = bootstrap.bind(host, port).sync().channel();
    }

    public static OpenAiServer start(ServedModel served, String host, int port, String apiKey) throws InterruptedException {
        return new OpenAiServer(served, host, port, apiKey);
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
        served.scheduler().close();
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Refuses an oversized body with a 413 in the protocol's shape instead of Netty's bare one. */
    private static final class SizedAggregator extends HttpObjectAggregator {
        private final RequestHandler handler;

        SizedAggregator(RequestHandler handler) {
            super(MAX_BODY_BYTES);
            this.handler = handler;
        }

        /**
         * Answers at once but keeps the connection: closing it while the client is still uploading would reset it
         * before the client reads the answer. The aggregator discards the rest of the body.
         */
        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            ApiException tooLarge = new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error",
                    null, "the request body exceeds " + MAX_BODY_BYTES + " bytes");
            String uri = oversized instanceof HttpRequest request ? request.uri() : "/";
            new Exchange(ctx, true).json(tooLarge.status(), handler.errorBody(uri, tooLarge));
        }
    }
}
