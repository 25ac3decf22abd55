package dev.glint.engine.scheduler;

import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.model.KvCache;
import dev.glint.engine.sampling.Sampler;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching: one engine thread owns the model and every KV cache, and advances all running sequences in
 * the same forward step — each decoding sequence by one token, prompts by chunks of at most
 * {@code prefillChunk} tokens per step in total — so they share each read of the weights. Requests wait in a
 * bounded queue for one of {@code parallel} slots.
 */
public final class Scheduler implements AutoCloseable {

    /** Counters for health and metrics endpoints; read from any thread. */
    public record Stats(int running, int waiting, long promptTokens, long generatedTokens, long steps, long kvBytes) {
    }

    /** A submitted request; cancelling it ends its sequence within one step and frees its KV cache. */
    public static final class Ticket {
        private volatile boolean cancelled;

        public void cancel() {
            cancelled = true;
        }
    }

    private final Glm4Moe model;
    private final int parallel;
    private final int contextLength;
    private final int prefillChunk;
    private final int maxWaiting;
    private final LinkedBlockingQueue<Sequence> incoming = new LinkedBlockingQueue<>();
    private final Queue<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final Thread engine;
    private volatile boolean closed;
    private volatile boolean aborting;
    private volatile int runningCount;
    private volatile int waitingCount;
    private volatile long kvBytes;
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();

    public Scheduler(Glm4Moe model, int parallel, int contextLength, int prefillChunk, int maxWaiting) {
        if (parallel < 1 || prefillChunk < 1 || maxWaiting < 0) {
            throw new IllegalArgumentException("parallel and prefillChunk must be at least 1, maxWaiting at least 0");
        }
        if (contextLength < 2 || contextLength > model.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("context length " + contextLength + " must be between 2 and the model's "
                    + model.config().maxPositionEmbeddings() + " positions");
        }
        this.model = model;
        this.parallel = parallel;
        this.contextLength = contextLength;
        this.prefillChunk = prefillChunk;
        this.maxWaiting = maxWaiting;
        this.engine = Thread.ofPlatform().name("glint-engine").start(this::loop);
    }

    public int contextLength() {
        return contextLength;
    }

    public Stats stats() {
        return new Stats(runningCount, waitingCount, promptTokens.get(), generatedTokens.get(), steps.get(), kvBytes);
    }

    /**
     * Queues a request. Refused at once, before any work, when prompt plus max_tokens exceed the context
     * ({@link IllegalArgumentException} with the numbers), when a token id is outside the vocabulary, or when the
     * queue is full ({@link QueueFullException}).
     */
    public Ticket submit(GenerationRequest request, TokenSink sink) {
        if (closed) {
            throw new IllegalStateException("the server is shutting down and takes no new requests");
        }
        long needed = (long) request.prompt().length + request.maxTokens();
        if (needed > contextLength) {
            throw new IllegalArgumentException("the prompt has " + request.prompt().length + " tokens and max_tokens is "
                    + request.maxTokens() + ": " + needed + " tokens exceed the context of " + contextLength);
        }
        int vocab = model.config().vocabSize();
        for (int i = 0; i < request.prompt().length; i++) {
            int id = request.prompt()[i];
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("prompt token " + i + " is " + id + ", outside the vocabulary of " + vocab);
            }
        }
        if (incoming.size() + waitingCount >= maxWaiting + Math.max(0, parallel - runningCount)) {
            throw new QueueFullException("all " + parallel + " slots are busy and " + maxWaiting + " requests are waiting");
        }
        Sequence sequence = new Sequence(request, sink, new Ticket());
        incoming.add(sequence);
        return sequence.ticket;
    }

    private void loop() {
        while (!closed || !running.isEmpty() || !waiting.isEmpty() || !incoming.isEmpty()) {
            try {
                acceptIncoming();
                admit();
                dropCancelled();
                if (running.isEmpty()) {
                    continue;
                }
                step();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void acceptIncoming() throws InterruptedException {
        if (running.isEmpty() && waiting.isEmpty()) {
            Sequence first = incoming.poll(100, TimeUnit.MILLISECONDS);
            if (first != null) {
                waiting.add(first);
            }
        }
        incoming.drainTo(waiting);
        waitingCount = waiting.size();
    }

    private void admit() {
        while (running.size() < parallel && !waiting.isEmpty()) {
            Sequence sequence = waiting.poll();
            if (sequence.ticket.cancelled) {
                sequence.finish(TokenSink.FinishReason.CANCELLED);
                continue;
            }
            int positions = sequence.prompt.length + sequence.request.maxTokens();
            try {
                sequence.cache = model.newCache(positions);
            } catch (RuntimeException | OutOfMemoryError e) {
                // Off-heap exhaustion must cost this request, not the engine thread that serves everyone.
                sequence.fail(new IllegalStateException("no memory for a KV cache of " + positions + " positions ("
                        + KvCache.bytesPerToken(model.config()) * positions / (1 << 20) + " MiB): " + e.getMessage(), e));
                continue;
            }
            running.add(sequence);
        }
        runningCount = running.size();
        waitingCount = waiting.size();
        kvBytes = running.stream().mapToLong(sequence -> sequence.cache.bytes()).sum();
    }

    private void dropCancelled() {
        if (aborting) {
            running.forEach(sequence -> sequence.ticket.cancel());
            waiting.forEach(sequence -> sequence.ticket.cancel());
        }
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence sequence = it.next();
            if (sequence.ticket.cancelled) {
                it.remove();
                sequence.finish(TokenSink.FinishReason.CANCELLED);
            }
        }
        runningCount = running.size();
    }

    /** One forward pass over every running sequence: decoders feed their last token, prompts their next chunk. */
    private void step() {
        List<Glm4Moe.Step> steps = new ArrayList<>();
        List<Sequence> stepped = new ArrayList<>();
        int prefillBudget = prefillChunk;
        for (Sequence sequence : running) {
            int[] tokens = sequence.nextInput(prefillBudget);
            if (tokens.length == 0) {
                continue;
            }
            if (!sequence.decoding()) {
                prefillBudget -= tokens.length;
            }
            steps.add(new Glm4Moe.Step(sequence.cache, tokens, false));
            stepped.add(sequence);
        }
        List<float[]> logits;
        try {
            logits = model.forward(steps);
        } catch (RuntimeException | OutOfMemoryError e) {
            RuntimeException failure = e instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("out of memory in the forward pass: " + e.getMessage(), e);
            for (Sequence sequence : stepped) {
                running.remove(sequence);
                sequence.fail(failure);
            }
            runningCount = running.size();
            return;
        }
        this.steps.incrementAndGet();
        int vocab = model.config().vocabSize();
        for (int i = 0; i < stepped.size(); i++) {
            Sequence sequence = stepped.get(i);
            sequence.consumed(steps.get(i).tokens().length);
            if (!sequence.prefilled()) {
                continue;
            }
            float[] positionLogits = logits.get(i);
            int top = sequence.request.logprobs();
            float[] raw = top >= 0 ? positionLogits.clone() : null;
            int next = sequence.sampler.sample(positionLogits, vocab);
            TokenSink.FinishReason finish = sequence.accept(next, raw == null ? null : TokenLogprobs.of(raw, vocab, next, top));
            if (finish != null) {
                running.remove(sequence);
                sequence.finish(finish);
            }
        }
        runningCount = running.size();
    }

    /** Stops taking requests and lets running and waiting ones finish, for at most 30 seconds. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /** Stops taking requests, lets the others finish within {@code grace}, then cancels what is left. */
    public void close(Duration grace) {
        closed = true;
        try {
            engine.join(grace);
            if (engine.isAlive()) {
                aborting = true;
                engine.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A request's progress: how much of the prompt is in the cache, what was generated. */
    private final class Sequence {
        final GenerationRequest request;
        final TokenSink sink;
        final Ticket ticket;
        final int[] prompt;
        final Sampler sampler;
        KvCache cache;
        int prompted;
        int generated;
        int last = -1;

        Sequence(GenerationRequest request, TokenSink sink, Ticket ticket) {
            this.request = request;
            this.sink = sink;
            this.ticket = ticket;
            this.prompt = request.prompt().clone();
            this.sampler = new Sampler(request.sampling(), prompt);
        }

        boolean prefilled() {
            return prompted == prompt.length;
        }

        boolean decoding() {
            return prefilled() && last >= 0;
        }

        int[] nextInput(int prefillBudget) {
            if (decoding()) {
                return new int[]{last};
            }
            int chunk = Math.min(prompt.length - prompted, prefillBudget);
            return chunk <= 0 ? new int[0] : Arrays.copyOfRange(prompt, prompted, prompted + chunk);
        }

        void consumed(int tokens) {
            if (!decoding()) {
                prompted += tokens;
                promptTokens.addAndGet(tokens);
            }
        }

        /** Records a sampled token; returns why the sequence ends, or null to go on. */
        TokenSink.FinishReason accept(int token, TokenLogprobs logprobs) {
            last = token;
            generated++;
            generatedTokens.incrementAndGet();
            boolean goOn;
            try {
                goOn = sink.onToken(token, logprobs);
            } catch (RuntimeException e) {
                ticket.cancel();
                goOn = true;
            }
            if (!goOn || request.stopIds().contains(token)) {
                return TokenSink.FinishReason.STOP;
            }
            if (generated >= request.maxTokens()) {
                return TokenSink.FinishReason.LENGTH;
            }
            return ticket.cancelled ? TokenSink.FinishReason.CANCELLED : null;
        }

        void finish(TokenSink.FinishReason reason) {
            release();
            notifySink(() -> sink.onFinish(reason, prompt.length, generated));
        }

        void fail(RuntimeException error) {
            release();
            notifySink(() -> sink.onError(error));
        }

        /** A sink that throws has lost its client; the engine thread must outlive it. */
        private void notifySink(Runnable call) {
            try {
                call.run();
            } catch (RuntimeException ignored) {
                ticket.cancel();
            }
        }

        private void release() {
            if (cache != null) {
                cache.close();
                cache = null;
            }
        }
    }
}
