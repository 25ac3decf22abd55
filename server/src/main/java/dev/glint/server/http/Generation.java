package dev.glint.server.http;

import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.sampling.TokenConstraint;
import dev.glint.engine.scheduler.GenerationRequest;
import dev.glint.engine.scheduler.QueueFullException;
import dev.glint.engine.scheduler.Scheduler;
import dev.glint.engine.scheduler.TokenLogprobs;
import dev.glint.engine.scheduler.TokenSink;
import dev.glint.engine.text.output.GlmOutputParser;
import dev.glint.engine.text.output.OutputEvent;
import dev.glint.engine.text.output.StopMatcher;
import dev.glint.engine.text.tokenizer.StreamingDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs one {@link GenerationJob} whatever protocol it came in: its {@code n} sequences go to the scheduler, each
 * sequence's tokens become text and then answer events (through GLM's output parser for chat, stop strings only for
 * raw text), and the protocol's {@link AnswerRenderer} shapes them.
 */
final class Generation {
    private final ServedModel served;
    private final Metrics metrics;
    private final GenerationJob job;
    private final AnswerRenderer renderer;
    private final long arrived = System.nanoTime();
    private final List<Choice> choices = new ArrayList<>();
    /** Added on the event loop, cancelled from the engine thread or on close: safe to walk from any thread. */
    private final List<Scheduler.Ticket> tickets = new CopyOnWriteArrayList<>();
    private int finished;
    /** Set on the engine thread; a choice may fail before the last one is submitted. */
    private volatile boolean failed;
    /**
     * The renderer's calls, serialized: the engine thread may finish a short answer before {@link #start} has opened
     * the stream on the event loop, so what it renders until then waits here. Guarded by {@code this}.
     */
    private boolean opened;
    private final List<Runnable> beforeOpen = new ArrayList<>();

    private Generation(ServedModel served, Metrics metrics, GenerationJob job, AnswerRenderer renderer) {
        this.served = served;
        this.metrics = metrics;
        this.job = job;
        this.renderer = renderer;
    }

    /**
     * Submits every choice first, so a refusal is still a plain error response (thrown as an {@link ApiException});
     * only then does a stream open, before anything the engine thread has generated meanwhile is rendered.
     */
    static void start(ServedModel served, Metrics metrics, Exchange exchange, GenerationJob job, AnswerRenderer renderer) {
        new Generation(served, metrics, job, renderer).start(exchange);
    }

    private void start(Exchange exchange) {
        GenerationParams params = job.params();
        int maxTokens = served.maxTokens(params.maxTokens(), job.promptIds().length, job.clampMaxTokens());
        for (int i = 0; i < params.n(); i++) {
            choices.add(new Choice(i, exchange));
        }
        List<List<AnswerEvent>> openings = choices.stream().map(choice -> choice.events(choice.output.feed(job.forced()))).toList();
        try {
            List<GenerationRequest> requests = new ArrayList<>();
            for (Choice choice : choices) {
                SamplingParams seeded = params.sampling().withSeed(params.sampling().seed() + choice.answer.index);
                TokenConstraint constraint = job.grammar() == null ? null : job.grammar().constraint(served.vocabulary(), maxTokens);
                requests.add(new GenerationRequest(job.promptIds(), maxTokens, seeded, served.stopIds(), params.logprobs(), constraint));
            }
            // The choices share the prompt: prefilled once, its blocks shared.
            tickets.addAll(served.scheduler().submitAll(requests, List.copyOf(choices)));
        } catch (RuntimeException e) {
            tickets.forEach(Scheduler.Ticket::cancel);
            throw refusal(e);
        }
        if (failed) {
            tickets.forEach(Scheduler.Ticket::cancel);
        }
        exchange.onClose(() -> tickets.forEach(Scheduler.Ticket::cancel));
        exchange.throttle(new Exchange.Producer() {
            @Override
            public void pause() {
                tickets.forEach(Scheduler.Ticket::pause);
            }

            @Override
            public void resume() {
                tickets.forEach(Scheduler.Ticket::resume);
            }
        });
        synchronized (this) {
            if (params.stream()) {
                renderer.open();
                for (int i = 0; i < choices.size(); i++) {
                    Answer answer = choices.get(i).answer;
                    openings.get(i).forEach(event -> renderer.event(answer, event));
                }
            }
            opened = true;
            beforeOpen.forEach(Runnable::run);
            beforeOpen.clear();
        }
    }

    /** Runs a call to the renderer now, or once the stream is open. */
    private synchronized void render(Runnable call) {
        if (opened) {
            call.run();
        } else {
            beforeOpen.add(call);
        }
    }

    /** Maps the scheduler's refusals to HTTP: too long is the client's 400, a full queue 429, shutdown 503. */
    static ApiException refusal(RuntimeException e) {
        return switch (e) {
            case ApiException api -> api;
            case QueueFullException full -> new ApiException(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limit_error", null,
                    full.getMessage() + "; retry later");
            case IllegalArgumentException bad -> ApiException.badRequest("messages", bad.getMessage());
            case IllegalStateException closing -> new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "server_error", null, closing.getMessage());
            default -> throw e;
        };
    }

    private void complete() {
        if (++finished < choices.size()) {
            return;
        }
        int generated = choices.stream().mapToInt(c -> c.answer.generatedTokens()).sum();
        // The choices share one prompt, reported once, with the first choice's reuse of the prefix cache.
        TokenSink.Usage usage = new TokenSink.Usage(job.promptIds().length, choices.getFirst().cachedTokens, generated,
                choices.stream().mapToInt(c -> c.draftTokens).sum(), choices.stream().mapToInt(c -> c.acceptedDraftTokens).sum());
        choices.getFirst().exchange.usage(usage);
        List<Answer> answers = choices.stream().map(c -> c.answer).toList();
        render(() -> renderer.complete(answers, usage));
    }

    /** Ends the whole request with an error, once, whichever choice fails first. */
    private void fail(ApiException error) {
        if (failed) {
            return;
        }
        failed = true;
        tickets.forEach(Scheduler.Ticket::cancel);
        render(() -> renderer.fail(error));
    }

    /** One sequence of the request, fed by the engine thread. */
    private final class Choice implements TokenSink {
        final Answer answer;
        final Exchange exchange;
        final StreamingDecoder text = served.textStream();
        final Output output = job.chat() != null
                ? new ChatOutput(new GlmOutputParser(job.chat().tools(), job.chat().startsInReasoning(), job.params().stop()))
                : new TextOutput(new StopMatcher(job.params().stop()));
        int cachedTokens;
        int draftTokens;
        int acceptedDraftTokens;
        long lastToken;

        Choice(int index, Exchange exchange) {
            this.answer = new Answer(index);
            this.exchange = exchange;
        }

        @Override
        public void onStarted(int cachedTokens) {
            exchange.started();
        }

        @Override
        public boolean onToken(int token, TokenLogprobs logprobs) {
            try {
                return accept(token, logprobs);
            } catch (RuntimeException e) {
                onError(e);
                return false;
            }
        }

        private boolean accept(int token, TokenLogprobs logprobs) {
            long now = System.nanoTime();
            if (lastToken == 0) {
                metrics.firstToken(now - arrived);
                exchange.firstToken();
            } else {
                metrics.nextToken(now - lastToken);
            }
            lastToken = now;
            if (served.stopIds().contains(token)) {
                return true;
            }
            if (logprobs != null) {
                answer.addLogprobs(logprobs);
            }
            emit(events(output.feed(text.next(token))));
            return !output.stopped();
        }

        @Override
        public void onFinish(FinishReason reason, Usage usage) {
            try {
                finish(reason, usage);
            } catch (RuntimeException e) {
                onError(e);
            }
        }

        private void finish(FinishReason reason, Usage usage) {
            cachedTokens = usage.cachedTokens();
            draftTokens = usage.draftTokens();
            acceptedDraftTokens = usage.acceptedDraftTokens();
            if (reason == FinishReason.CANCELLED) {
                if (exchange.isOpen()) {
                    fail(new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "server_error", null,
                            "the server shut down before this request finished"));
                }
                return;
            }
            emit(events(output.feed(text.flush())));
            emit(events(output.finish()));
            String stop = output.matchedStop();
            answer.finished(stop != null ? Answer.Finish.STOP_SEQUENCE
                    : reason == FinishReason.LENGTH ? Answer.Finish.LENGTH : Answer.Finish.END_TURN, stop, usage.generatedTokens());
            if (job.params().stream()) {
                render(() -> renderer.finish(answer));
            }
            complete();
        }

        /** A failure of the engine, or of this server's own code while it rendered the answer. */
        @Override
        public void onError(RuntimeException error) {
            fail(new ApiException(HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", null,
                    "generation failed: " + error.getMessage()));
        }

        /** The parser's events as answer events, recorded in this choice's answer. */
        private List<AnswerEvent> events(List<OutputEvent> parsed) {
            List<AnswerEvent> events = new ArrayList<>(parsed.size());
            for (OutputEvent event : parsed) {
                AnswerEvent answerEvent = switch (event) {
                    case OutputEvent.ContentDelta(String piece) -> new AnswerEvent.Text(piece);
                    case OutputEvent.ReasoningDelta(String piece) -> new AnswerEvent.Reasoning(piece);
                    case OutputEvent.ToolCallComplete(int index, var call) ->
                            new AnswerEvent.ToolCallMade(index, renderer.newToolCallId(), call);
                };
                answer.record(answerEvent);
                events.add(answerEvent);
            }
            return events;
        }

        private void emit(List<AnswerEvent> events) {
            if (job.params().stream()) {
                events.forEach(event -> render(() -> renderer.event(answer, event)));
            }
        }
    }

    /** How a choice's text becomes output events: GLM's parser for chat, stop strings only for raw text. */
    private sealed interface Output permits ChatOutput, TextOutput {
        List<OutputEvent> feed(String piece);

        List<OutputEvent> finish();

        boolean stopped();

        /** The stop string that ended the output, or null. */
        String matchedStop();
    }

    private record ChatOutput(GlmOutputParser parser) implements Output {
        @Override
        public List<OutputEvent> feed(String piece) {
            return parser.feed(piece);
        }

        @Override
        public List<OutputEvent> finish() {
            return parser.finish();
        }

        @Override
        public boolean stopped() {
            return parser.stopped();
        }

        @Override
        public String matchedStop() {
            return parser.matchedStop();
        }
    }

    private record TextOutput(StopMatcher stops) implements Output {
        @Override
        public List<OutputEvent> feed(String piece) {
            return content(stops.accept(piece));
        }

        @Override
        public List<OutputEvent> finish() {
            return stops.matched() == null ? content(stops.flush()) : List.of();
        }

        @Override
        public boolean stopped() {
            return stops.matched() != null;
        }

        @Override
        public String matchedStop() {
            return stops.matched();
        }

        private static List<OutputEvent> content(String text) {
            return text.isEmpty() ? List.of() : List.of(new OutputEvent.ContentDelta(text));
        }
    }
}
