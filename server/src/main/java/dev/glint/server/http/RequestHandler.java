package dev.glint.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Routes requests: each wire protocol's paths to its adapter, and the server's own routes (models, metrics, health,
 * tokenize). It takes whole requests on the event loop and hands them, one connection's in order, to a bounded
 * pool of workers that parse, render and tokenize; only health is answered on the event loop. Every failure of a
 * request becomes an error in its protocol's shape, on that request alone; nothing here touches model state, which
 * only the scheduler's engine thread does.
 */
@ChannelHandler.Sharable
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** Requests a client may send ahead on one connection before the first is answered (HTTP/1.1 pipelining). */
    private static final int MAX_PIPELINED = 16;
    private static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("glint.connection");

    private final ServedModel served;
    private final byte[] apiKey;
    private final Metrics metrics;
    private final HttpLimits limits;
    private final ServerLog log;
    /** Parse, render and tokenize: the I/O threads only move bytes, the engine thread only steps the model. */
    private final ThreadPoolExecutor workers;
    /** Reads request bodies: a key given twice is refused, not silently the last one. */
    private static final ObjectMapper REQUESTS = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private final List<WireProtocol> protocols;
    private volatile boolean draining;

    /** A connection's request in flight and those pipelined behind it, answered in order; touched on its event loop. */
    private static final class Connection {
        Exchange current;
        final Deque<FullHttpRequest> pipelined = new ArrayDeque<>();
    }

    RequestHandler(ServedModel served, String apiKey, Metrics metrics, HttpLimits limits, ServerLog log) {
        this.served = served;
        this.apiKey = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
        this.metrics = metrics;
        this.limits = limits;
        this.log = log;
        AtomicInteger threads = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(limits.workers(), limits.workers(), 0, TimeUnit.SECONDS,
                limits.workQueue() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(limits.workQueue()),
                work -> Thread.ofPlatform().daemon().name("glint-request-" + threads.incrementAndGet()).unstarted(work));
        this.protocols = List.of(new OpenAiChat(served, metrics), new OpenAiCompletions(served, metrics),
                new OpenAiResponses(served, metrics), new AnthropicMessages(served, metrics));
    }

    void drain() {
        draining = true;
    }

    /** Lets the requests being parsed reach the scheduler (or fail), then stops the workers. */
    void close() {
        workers.shutdown();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a request on this channel is being answered. */
    static boolean busy(Channel channel) {
        Connection connection = channel.attr(CONNECTION).get();
        return connection != null && connection.current != null;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        OpenAiServer.RequestDeadline deadline = ctx.pipeline().get(OpenAiServer.RequestDeadline.class);
        if (deadline != null) {
            deadline.met();
        }
        Connection connection = ctx.channel().attr(CONNECTION).get();
        if (connection.current == null) {
            dispatch(ctx, connection, request.retain());
        } else if (connection.pipelined.size() < MAX_PIPELINED) {
            connection.pipelined.add(request.retain());
        } else {
            log.warn(null, "closed a connection from " + ctx.channel().remoteAddress() + " that pipelined more than "
                    + MAX_PIPELINED + " requests");
            ctx.close();
        }
    }

    /** Answers {@code request} (whose reference this takes): health at once, the rest on a worker. */
    private void dispatch(ChannelHandlerContext ctx, Connection connection, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            // The decoder discards whatever follows a malformed request: answer, then close.
            HttpUtil.setKeepAlive(request, false);
        }
        Exchange exchange = new Exchange(ctx, request, limits, log, metrics, () -> ctx.executor().execute(() -> next(ctx, connection)));
        connection.current = exchange;
        if (request.decoderResult().isFailure() || exchange.path().equals("/health") || exchange.path().equals("/v1/health")) {
            try {
                handle(exchange, request);
            } finally {
                request.release();
            }
            return;
        }
        try {
            workers.execute(() -> {
                try {
                    handle(exchange, request);
                } finally {
                    request.release();
                }
            });
        } catch (RejectedExecutionException e) {
            request.release();
            ApiException busy = new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded_error", null,
                    workers.isShutdown() ? "the server is shutting down and takes no new requests"
                            : "the server has " + limits.workQueue() + " requests waiting to be read; retry later");
            exchange.json(busy.status(), errorBody(exchange.path(), busy));
        }
    }

    /** The connection's answer is out: the next pipelined request, if any, goes. */
    private void next(ChannelHandlerContext ctx, Connection connection) {
        connection.current = null;
        FullHttpRequest queued = connection.pipelined.poll();
        if (queued != null) {
            dispatch(ctx, connection, queued);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().attr(CONNECTION).set(new Connection());
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Connection connection = ctx.channel().attr(CONNECTION).get();
        if (connection != null) {
            connection.pipelined.forEach(FullHttpRequest::release);
            connection.pipelined.clear();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        Connection connection = ctx.channel().attr(CONNECTION).get();
        if (connection != null && connection.current != null) {
            connection.current.writabilityChanged();
        }
        super.channelWritabilityChanged(ctx);
    }

    /** A kept-alive connection idle past the timeout is closed; one whose answer is still being generated is not. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent && !busy(ctx.channel())) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    private void handle(Exchange exchange, FullHttpRequest request) {
        String path = exchange.path();
        try {
            if (request.decoderResult().isFailure()) {
                throw malformed(request.decoderResult().cause());
            }
            route(exchange, request, path);
        } catch (ApiException e) {
            exchange.json(e.status(), errorBody(path, e));
        } catch (RuntimeException e) {
            // The client learns that it failed and under which id; the log has the rest.
            log.error(exchange.id(), "internal error on " + request.method() + " " + path, e);
            ApiException internal = new ApiException(HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", null,
                    "internal error; the server's log has it under request id " + exchange.id());
            exchange.json(internal.status(), errorBody(path, internal));
        }
    }

    /** What the HTTP decoder refused, in words: a line or headers beyond the limits, or not HTTP/1.1 at all. */
    private ApiException malformed(Throwable cause) {
        return switch (cause) {
            case TooLongHttpLineException line -> new ApiException(HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "invalid_request_error", null, "the request line is longer than " + limits.maxHeaderBytes() + " bytes");
            case TooLongHttpHeaderException headers -> new ApiException(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "invalid_request_error", null, "the request headers exceed " + limits.maxHeaderBytes() + " bytes");
            default -> ApiException.badRequest(null, "the request is not valid HTTP/1.1"
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
        };
    }

    /** An error in the shape of the protocol that serves {@code uri}, OpenAI's for every other path. */
    ObjectNode errorBody(String uri, ApiException error) {
        String path = new QueryStringDecoder(uri).path();
        return protocols.stream().filter(p -> p.answers(path)).findFirst()
                .map(p -> p.errorBody(error)).orElseGet(() -> OpenAiRenderer.errorBody(error));
    }

    private void route(Exchange exchange, FullHttpRequest request, String path) {
        HttpMethod method = request.method();
        if (path.equals("/health") || path.equals("/v1/health")) {
            HttpResponseStatus status = draining ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK;
            exchange.json(status, Exchange.JSON.createObjectNode().put("status", draining ? "draining" : "ok"));
            return;
        }
        authorize(request);
        for (WireProtocol protocol : protocols) {
            if (protocol.answers(path)) {
                requireMethod(method, HttpMethod.POST);
                refuseWhileDraining();
                metrics.requestStarted();
                JsonNode body = body(request);
                body.fieldNames().forEachRemaining(field -> {
                    if (!protocol.fields().contains(field)) {
                        metrics.unknownField();
                    }
                });
                protocol.serve(path, exchange, body);
                return;
            }
        }
        switch (path) {
            case "/v1/models", "/models" -> {
                requireMethod(method, HttpMethod.GET);
                exchange.json(HttpResponseStatus.OK, models());
            }
            case "/metrics" -> {
                requireMethod(method, HttpMethod.GET);
                exchange.text(HttpResponseStatus.OK, "text/plain; version=0.0.4", metrics.render(served));
            }
            case "/tokenize" -> {
                requireMethod(method, HttpMethod.POST);
                JsonNode body = body(request);
                String text = new RequestFields(body).string(body.has("content") ? "content" : "prompt", null);
                if (text == null) {
                    throw ApiException.badRequest("content", "'content' (the text to tokenize) is required");
                }
                ArrayNode tokens = Exchange.JSON.createObjectNode().putArray("tokens");
                for (int id : served.tokenizer().encode(text)) {
                    tokens.add(id);
                }
                ObjectNode response = Exchange.JSON.createObjectNode();
                response.set("tokens", tokens);
                exchange.json(HttpResponseStatus.OK, response);
            }
            case "/detokenize" -> {
                requireMethod(method, HttpMethod.POST);
                JsonNode tokens = body(request).get("tokens");
                if (tokens == null || !tokens.isArray()) {
                    throw ApiException.badRequest("tokens", "'tokens' must be a list of token ids");
                }
                int[] ids = new int[tokens.size()];
                for (int i = 0; i < ids.length; i++) {
                    JsonNode id = tokens.get(i);
                    if (!id.canConvertToInt() || !id.isIntegralNumber() || id.intValue() < 0 || id.intValue() >= served.tokenizer().vocabSize()) {
                        throw ApiException.badRequest("tokens", "tokens[" + i + "] = " + id + " is not a token id of this model");
                    }
                    ids[i] = id.intValue();
                }
                exchange.json(HttpResponseStatus.OK,
                        Exchange.JSON.createObjectNode().put("content", served.tokenizer().decode(ids, false)));
            }
            default -> throw new ApiException(HttpResponseStatus.NOT_FOUND, "not_found_error", null,
                    "no route for " + method + " " + path);
        }
    }

    private void refuseWhileDraining() {
        if (draining) {
            throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "server_error", null,
                    "the server is shutting down and takes no new requests");
        }
    }

    private static void requireMethod(HttpMethod actual, HttpMethod expected) {
        if (!actual.equals(expected)) {
            throw new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "invalid_request_error", null,
                    "use " + expected + " for this endpoint, not " + actual);
        }
    }

    /** Accepts {@code Authorization: Bearer KEY} or {@code x-api-key: KEY}, compared in constant time. */
    private void authorize(FullHttpRequest request) {
        if (apiKey == null) {
            return;
        }
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim()
                : request.headers().get("x-api-key");
        if (given == null || !MessageDigest.isEqual(apiKey, given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(HttpResponseStatus.UNAUTHORIZED, "authentication_error", null,
                    given == null ? "missing API key: send Authorization: Bearer KEY" : "invalid API key");
        }
    }

    private JsonNode body(FullHttpRequest request) {
        JsonNode body;
        try (InputStream in = new ByteBufInputStream(request.content().duplicate())) {
            body = REQUESTS.readTree(in);
        } catch (StreamConstraintsException e) {
            String message = e.getMessage();
            throw ApiException.badRequest(null, "the request body is beyond what this server reads: "
                    + (message.contains("nesting") ? "JSON nested deeper than " + StreamReadConstraints.DEFAULT_MAX_DEPTH + " levels"
                    : message.contains("Number") ? "a number of more than " + StreamReadConstraints.DEFAULT_MAX_NUM_LEN + " digits"
                    : "a string of more than " + StreamReadConstraints.DEFAULT_MAX_STRING_LEN + " characters"));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw ApiException.badRequest(null, "the request body is not valid JSON (UTF-8): " + plain(e.getOriginalMessage())
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
        } catch (IOException e) {
            throw ApiException.badRequest(null, "the request body cannot be read: " + e.getMessage());
        }
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest(null, "the request body must be a JSON object");
        }
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !served.answersTo(model.asText())) {
            throw new ApiException(HttpResponseStatus.NOT_FOUND, "invalid_request_error", "model",
                    "the model '" + model.asText() + "' does not exist; this server serves '" + served.name() + "'");
        }
        return body;
    }

    /** Jackson's message without the parser's own notes on where it read from (a nested "[Source: ...]"). */
    private static String plain(String parserMessage) {
        return parserMessage
                .replaceAll("at \\[Source: [^]]*?line: (\\d+), column: (\\d+)]", "at line $1, column $2")
                .replaceAll("\\s*\\[Source: [^]]*]", "");
    }

    private ObjectNode models() {
        ObjectNode list = Exchange.JSON.createObjectNode().put("object", "list");
        ObjectNode model = list.putArray("data").addObject();
        model.put("id", served.name());
        model.put("object", "model");
        model.put("created", served.loadedAt());
        model.put("owned_by", "glint");
        model.put("max_model_len", served.scheduler().contextLength());
        return list;
    }

    /**
     * A connection's failure: a reset by its client, or a connection closed in the middle of its request, is routine
     * (a line of warning); anything else is logged in full.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            log.warn(null, "connection from " + ctx.channel().remoteAddress() + " failed: " + cause.getMessage());
        } else {
            log.error(null, "connection from " + ctx.channel().remoteAddress() + " failed", cause);
        }
        ctx.close();
    }
}
