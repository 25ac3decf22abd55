package dev.glint.engine.scheduler;

import dev.glint.engine.kv.KvCache;
import dev.glint.engine.kv.KvPool;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.sampling.Sampler;
import dev.glint.engine.speculative.NgramDrafter;
import dev.glint.engine.speculative.Speculation;
import dev.glint.kernels.KvType;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching: one engine thread owns the model and the KV pool, and advances all running sequences in
 * the same forward step — each decoding sequence by one token, prompts by chunks of at most {@code prefillChunk}
 * tokens per step in total — so they share each read of the weights. Requests wait in a bounded queue for one of
 * {@code parallel} slots.
 *
 * <p>Sequences share the pool as llama-server's unified KV cache does: each takes blocks as it grows, and a new one
 * starts from the cached blocks of its prompt's longest prefix. When a step needs more blocks than the pool has, the
 * most recently admitted sequence is preempted as vLLM does: its blocks go back (its full ones stay cached) and it
 * returns to the front of the queue, to be recomputed later with what it generated as part of its prompt and its
 * sampler as it was, so its output does not change.
 *
 * <p>With {@link Speculation}, a decoding sequence feeds its last token and the tokens guessed after it; its sampler
 * draws at each position in turn and the guesses hold while they equal what it drew. That is the rejection rule of
 * speculative sampling for guesses that are certain (a greedy draft): each token is drawn from the main model's
 * distribution, with the same draws, so speculation changes how many steps an answer takes, never the answer.
 */
public final class Scheduler implements AutoCloseable {

    /** Counters for health and metrics endpoints; read from any thread. */
    public record Stats(int running, int waiting, long promptTokens, long generatedTokens, long steps, long kvBytes,
                        long kvPoolBytes, long prefixQueriedTokens, long prefixHitTokens, long preemptions,
                        long draftTokens, long acceptedDraftTokens) {
    }

    /**
     * A submitted request; cancelling it ends its sequence within one step and frees its KV blocks. Pausing it holds
     * the sequence out of the steps, its slot and KV blocks kept, until it is resumed: a client that does not read
     * its stream stops being generated for.
     */
    public static final class Ticket {
        private volatile boolean cancelled;
        private volatile boolean paused;

        public void cancel() {
            cancelled = true;
        }

        public void pause() {
            paused = true;
        }

        public void resume() {
            paused = false;
        }
    }

    private final Glm4Moe model;
    private final KvPool pool;
    private final int parallel;
    private final int contextLength;
    private final int prefillChunk;
    private final int maxWaiting;
    private final Speculation speculation;
    /** Ids from 0 up to this are drawn; the rest pad the vocabulary. */
    private final int sampledTokens;
    private final LinkedBlockingQueue<Sequence> incoming = new LinkedBlockingQueue<>();
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    /**
     * Sequences submitted and not yet ended, running or queued: at most {@code parallel + maxWaiting}. Submitters
     * count themselves in with one atomic update, so that threads submitting together cannot all pass the bound.
     */
    private final AtomicInteger admitted = new AtomicInteger();
    private final Thread engine;
    private volatile boolean closed;
    private volatile boolean aborting;
    /** The engine loop has ended: nothing more may be queued. Guarded by {@code incoming}. */
    private boolean stopped;
    private volatile int runningCount;
    private volatile int waitingCount;
    private volatile long kvBytes;
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong preemptions = new AtomicLong();
    private final AtomicLong prefixQueriedTokens = new AtomicLong();
    private final AtomicLong prefixHitTokens = new AtomicLong();
    private final AtomicLong draftTokens = new AtomicLong();
    private final AtomicLong acceptedDraftTokens = new AtomicLong();

    /** A scheduler with an F32 pool of {@code contextLength} tokens of its own. */
    public Scheduler(Glm4Moe model, int parallel, int contextLength, int prefillChunk, int maxWaiting) {
        this(model, new KvPool(model.config(), KvType.F32, Math.max(1, contextLength)), parallel, contextLength, prefillChunk, maxWaiting);
    }

    /** Schedules sequences of at most {@code contextLength} tokens in {@code pool}, which it closes when closed. */
    public Scheduler(Glm4Moe model, KvPool pool, int parallel, int contextLength, int prefillChunk, int maxWaiting) {
        this(model, pool, parallel, contextLength, prefillChunk, maxWaiting, model.config().vocabSize());
    }

    /**
     * As above, drawing only ids below {@code definedTokens}: checkpoints pad their vocabulary past the ids their
     * tokenizer defines, and a padding id would be generated as nothing at all.
     */
    public Scheduler(Glm4Moe model, KvPool pool, int parallel, int contextLength, int prefillChunk, int maxWaiting,
                     int definedTokens) {
        this(model, pool, parallel, contextLength, prefillChunk, maxWaiting, definedTokens, Speculation.NONE);
    }

    /**
     * As above, guessing tokens ahead as {@code speculation} says; MTP drafts need a checkpoint with the layer and a
     * pool that holds its keys and values ({@link Glm4Moe#kvLayout}).
     */
    public Scheduler(Glm4Moe model, KvPool pool, int parallel, int contextLength, int prefillChunk, int maxWaiting,
                     int definedTokens, Speculation speculation) {
        if (speculation.method() == Speculation.Method.MTP) {
            String missing = model.missingMtp();
            if (missing != null || pool.layout().layers() <= model.config().numHiddenLayers()) {
                pool.close();
                throw new IllegalArgumentException("MTP drafts: " + (missing != null ? missing + "; use n-gram drafts or none"
                        : "the KV pool has no room for the MTP layer (Glm4Moe.kvLayout with the layer)"));
            }
        }
        if (parallel < 1 || prefillChunk < 1 || maxWaiting < 0) {
            pool.close();
            throw new IllegalArgumentException("parallel and prefillChunk must be at least 1, maxWaiting at least 0");
        }
        if (contextLength < 2 || contextLength > model.config().maxPositionEmbeddings()) {
            pool.close();
            throw new IllegalArgumentException("context length " + contextLength + " must be between 2 and the model's "
                    + model.config().maxPositionEmbeddings() + " positions");
        }
        if (contextLength > pool.capacityTokens()) {
            pool.close();
            throw new IllegalArgumentException("the KV pool holds " + pool.capacityTokens()
                    + " tokens, fewer than one sequence of the context length " + contextLength + " needs");
        }
        this.model = model;
        this.pool = pool;
        this.parallel = parallel;
        this.contextLength = contextLength;
        this.prefillChunk = prefillChunk;
        this.maxWaiting = maxWaiting;
        this.speculation = speculation;
        this.sampledTokens = Math.max(1, Math.min(definedTokens, model.config().vocabSize()));
        this.engine = Thread.ofPlatform().name("glint-engine").start(this::loop);
    }

    public int contextLength() {
        return contextLength;
    }

    public Speculation speculation() {
        return speculation;
    }

    public Stats stats() {
        return new Stats(runningCount, waitingCount, promptTokens.get(), generatedTokens.get(), steps.get(), kvBytes,
                pool.bytes(), prefixQueriedTokens.get(), prefixHitTokens.get(), preemptions.get(), draftTokens.get(),
                acceptedDraftTokens.get());
    }

    /**
     * Queues a request. Refused at once, before any work, when prompt plus max_tokens exceed the context
     * ({@link IllegalArgumentException} with the numbers), when a token id is outside the vocabulary, or when the
     * queue is full ({@link QueueFullException}).
     */
    public Ticket submit(GenerationRequest request, TokenSink sink) {
        return submitAll(List.of(request), List.of(sink)).getFirst();
    }

    /**
     * Queues the choices of one request ({@code n} > 1): the same prompt, each with its own sampling and sink. They
     * take their places together or not at all, and the prompt is prefilled once: the first choice prefills it, the
     * others start once its blocks are in the prefix cache and share them, computing only the prompt's last partial
     * block.
     */
    public List<Ticket> submitAll(List<GenerationRequest> requests, List<TokenSink> sinks) {
        if (closed) {
            throw new IllegalStateException("the server is shutting down and takes no new requests");
        }
        if (requests.isEmpty() || requests.size() != sinks.size()) {
            throw new IllegalArgumentException("one sink per request, and at least one request");
        }
        requests.forEach(this::check);
        for (GenerationRequest request : requests) {
            if (!Arrays.equals(request.prompt(), requests.getFirst().prompt())) {
                throw new IllegalArgumentException("the choices of one request share its prompt");
            }
        }
        // Built before they take places: a place, once taken, must belong to a sequence that will end and give it back.
        List<Sequence> sequences = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Sequence sequence = new Sequence(requests.get(i), sinks.get(i), new Ticket());
            sequence.leader = sequences.isEmpty() ? null : sequences.getFirst();
            sequences.add(sequence);
        }
        if (!takePlaces(sequences.size())) {
            throw new QueueFullException(sequences.size() == 1
                    ? "all " + parallel + " slots are busy and " + maxWaiting + " requests are waiting"
                    : "no room for " + sequences.size() + " sequences: " + parallel + " slots and " + maxWaiting
                    + " waiting places, too many of them taken");
        }
        synchronized (incoming) {
            if (stopped) {
                admitted.addAndGet(-sequences.size());
                throw new IllegalStateException("the server is shutting down and takes no new requests");
            }
            incoming.addAll(sequences);
        }
        return sequences.stream().map(sequence -> sequence.ticket).toList();
    }

    private void check(GenerationRequest request) {
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
    }

    /** {@code count} of the {@code parallel + maxWaiting} places, taken in one atomic update; false when too few are free. */
    private boolean takePlaces(int count) {
        int places = parallel + maxWaiting;
        return admitted.getAndUpdate(taken -> taken + count <= places ? taken + count : taken) + count <= places;
    }

    private void loop() {
        try {
            while (!closed || !running.isEmpty() || !waiting.isEmpty() || !incoming.isEmpty()) {
                acceptIncoming();
                admit();
                dropCancelled();
                if (!running.isEmpty() && !step()) {
                    // Every running sequence is paused: wait for a new request instead of spinning.
                    Sequence next = incoming.poll(10, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        waiting.add(next);
                    }
                }
                publish();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // The loop itself failed (not a forward pass, whose failures end only its sequences): no sequence may be
            // left waiting for a thread that is gone.
            IllegalStateException failure = new IllegalStateException("the engine stopped: " + e, e);
            running.forEach(sequence -> sequence.fail(failure));
            waiting.forEach(sequence -> sequence.fail(failure));
            running.clear();
            waiting.clear();
            throw e;
        } finally {
            // A request that passed the closed check as the loop ended would wait forever: it is cancelled instead.
            synchronized (incoming) {
                stopped = true;
                incoming.forEach(sequence -> sequence.finish(TokenSink.FinishReason.CANCELLED));
                incoming.clear();
            }
            running.forEach(sequence -> sequence.finish(TokenSink.FinishReason.CANCELLED));
            waiting.forEach(sequence -> sequence.finish(TokenSink.FinishReason.CANCELLED));
            pool.close();
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

    /**
     * Starts waiting sequences, first come first served, while a slot is free and the pool has blocks for the rest of
     * the next one's prompt beyond its cached prefix (a sequence alone always fits: the pool holds a whole context).
     */
    private void admit() {
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext() && running.size() < parallel; ) {
            Sequence sequence = it.next();
            if (sequence.ticket.cancelled) {
                it.remove();
                sequence.finish(TokenSink.FinishReason.CANCELLED);
                continue;
            }
            if (sequence.waitsForLeader()) {
                continue;
            }
            KvCache cache = new KvCache(pool, contextLength);
            // The MTP layer's row of a block's last position pairs it with the token after it, which another sequence
            // sharing the block may not have: with MTP drafts the last whole block is recomputed (vLLM does the same).
            int recompute = speculation.method() == Speculation.Method.MTP ? 1 + KvPool.BLOCK_TOKENS : 1;
            int reused = cache.reusePrefix(sequence.tokens(), recompute);
            int blocksNeeded = Math.ceilDiv(sequence.length, KvPool.BLOCK_TOKENS) - reused / KvPool.BLOCK_TOKENS;
            if (blocksNeeded > pool.availableBlocks() && !running.isEmpty()) {
                cache.close();
                break;
            }
            it.remove();
            prefixQueriedTokens.addAndGet(sequence.length);
            prefixHitTokens.addAndGet(reused);
            sequence.start(cache, reused);
            running.add(sequence);
        }
        runningCount = running.size();
        waitingCount = waiting.size();
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

    /**
     * One forward pass over every running sequence not paused: decoders feed their last token and its drafts, prompts
     * their next chunk. Returns false when there was nothing to step.
     */
    private boolean step() {
        List<Sequence> stepped = new ArrayList<>();
        List<int[]> inputs = new ArrayList<>();
        int prefillBudget = prefillChunk;
        for (Sequence sequence : running) {
            if (sequence.ticket.paused) {
                continue;
            }
            int[] tokens = sequence.nextInput(prefillBudget);
            if (tokens.length == 0) {
                continue;
            }
            if (!sequence.decoding()) {
                prefillBudget -= tokens.length;
            }
            stepped.add(sequence);
            inputs.add(tokens);
        }
        if (stepped.isEmpty()) {
            return false;
        }
        reserveBlocks(stepped, inputs);
        List<Glm4Moe.Step> steps = new ArrayList<>();
        int[] cachedBefore = new int[stepped.size()];
        int prefilled = 0;
        for (int i = 0; i < stepped.size(); i++) {
            Sequence sequence = stepped.get(i);
            int drafts = sequence.decoding() ? inputs.get(i).length - 1 : 0;
            steps.add(new Glm4Moe.Step(sequence.cache, inputs.get(i), drafts > 0, drafts));
            cachedBefore[i] = sequence.cache.length();
            prefilled += sequence.decoding() ? 0 : inputs.get(i).length;
        }
        List<Glm4Moe.Output> outputs;
        try {
            outputs = model.forward(steps);
        } catch (RuntimeException | OutOfMemoryError e) {
            fail(stepped, e);
            return true;
        }
        this.steps.incrementAndGet();
        promptTokens.addAndGet(prefilled);
        for (int i = 0; i < stepped.size(); i++) {
            Sequence sequence = stepped.get(i);
            if (sequence.cache.length() < sequence.length) {
                continue;
            }
            TokenSink.FinishReason finish = verify(sequence, steps.get(i), outputs.get(i).logits());
            if (finish != null) {
                running.remove(sequence);
                sequence.finish(finish);
            }
        }
        if (speculation.method() == Speculation.Method.MTP) {
            draftWithMtp(stepped, cachedBefore, outputs);
        } else if (speculation.method() == Speculation.Method.NGRAM) {
            for (Sequence sequence : stepped) {
                if (!sequence.ended && sequence.decoding()) {
                    sequence.drafts = NgramDrafter.draft(sequence.tokens, sequence.length, speculation.draftTokens());
                }
            }
        }
        runningCount = running.size();
        return true;
    }

    /**
     * Draws the sequence's next token from the logits of each position of its step in turn, keeping each draft that
     * equals what was drawn; the first token drawn otherwise ends the step. Returns why the sequence ends, or null.
     */
    private TokenSink.FinishReason verify(Sequence sequence, Glm4Moe.Step step, float[] logits) {
        int vocab = model.config().vocabSize();
        int drafts = step.drafts();
        draftTokens.addAndGet(drafts);
        sequence.draftedTokens += drafts;
        for (int position = 0; ; position++) {
            // the sampler changes the row it draws from; a step's only row needs no copy
            float[] positionLogits = drafts == 0 ? logits : Arrays.copyOfRange(logits, position * vocab, (position + 1) * vocab);
            int top = sequence.request.logprobs();
            float[] raw = top >= 0 ? positionLogits.clone() : null;
            int next = sequence.sampler.sample(positionLogits, sampledTokens);
            TokenSink.FinishReason finish = sequence.accept(next,
                    raw == null ? null : TokenLogprobs.of(raw, sampledTokens, next, top));
            boolean guessed = position < drafts && next == step.tokens()[position + 1];
            if (guessed) {
                sequence.acceptedDrafts++;
                acceptedDraftTokens.incrementAndGet();
            }
            if (finish != null || !guessed) {
                return finish;
            }
            sequence.cache.advance(new int[]{next});
        }
    }

    /**
     * Runs the MTP layer over the positions each stepped sequence's cache took in this step, each paired with the token
     * that followed it (the last with the token just drawn), and keeps the draft of the last as the sequence's guess
     * for its next step. Prompt chunks run it too: its keys and values must cover the whole sequence.
     */
    private void draftWithMtp(List<Sequence> stepped, int[] cachedBefore, List<Glm4Moe.Output> outputs) {
        List<Sequence> drafting = new ArrayList<>();
        List<Glm4Moe.DraftStep> steps = new ArrayList<>();
        int hidden = model.config().hiddenSize();
        for (int i = 0; i < stepped.size(); i++) {
            Sequence sequence = stepped.get(i);
            int from = cachedBefore[i];
            int to = sequence.ended ? from : sequence.cache.length();
            if (to > from) {
                drafting.add(sequence);
                steps.add(new Glm4Moe.DraftStep(sequence.cache, from,
                        Arrays.copyOf(outputs.get(i).hidden(), (to - from) * hidden),
                        Arrays.copyOfRange(sequence.tokens, from + 1, to + 1)));
            }
        }
        if (steps.isEmpty()) {
            return;
        }
        List<float[]> logits;
        try {
            logits = model.draft(steps);
        } catch (RuntimeException | OutOfMemoryError e) {
            fail(drafting, e);
            return;
        }
        for (int i = 0; i < drafting.size(); i++) {
            Sequence sequence = drafting.get(i);
            sequence.drafts = sequence.decoding() ? new int[]{Sampler.argmax(logits.get(i), sampledTokens)} : new int[0];
        }
    }

    /** Ends {@code sequences} with the error a forward pass threw; the others go on. */
    private void fail(List<Sequence> sequences, Throwable e) {
        RuntimeException failure = e instanceof RuntimeException runtime ? runtime
                : new IllegalStateException("out of memory in the forward pass: " + e.getMessage(), e);
        for (Sequence sequence : sequences) {
            running.remove(sequence);
            sequence.fail(failure);
        }
        runningCount = running.size();
    }

    /**
     * Takes the blocks each planned sequence's input needs, oldest sequence first; when the pool runs out, preempts
     * the most recently admitted running sequence (which drops out of this step) until the rest fit.
     */
    private void reserveBlocks(List<Sequence> stepped, List<int[]> inputs) {
        for (int i = 0; i < stepped.size(); i++) {
            Sequence sequence = stepped.get(i);
            int known = sequence.decoding() ? 1 : inputs.get(i).length;
            while (!sequence.cache.tryReserve(known)) {
                Sequence victim = running.getLast();
                int planned = stepped.indexOf(victim);
                if (planned >= 0) {
                    stepped.remove(planned);
                    inputs.remove(planned);
                }
                preempt(victim);
                if (victim == sequence) {
                    i--;
                    break;
                }
            }
        }
        // Drafts take only blocks that are free: a guess never preempts a sequence.
        for (int i = 0; i < stepped.size(); i++) {
            if (inputs.get(i).length > 1 && stepped.get(i).decoding() && !stepped.get(i).cache.tryReserve(inputs.get(i).length)) {
                inputs.set(i, Arrays.copyOf(inputs.get(i), 1));
            }
        }
    }

    private void preempt(Sequence sequence) {
        running.remove(sequence);
        sequence.release();
        waiting.addFirst(sequence);
        preemptions.incrementAndGet();
        runningCount = running.size();
        waitingCount = waiting.size();
    }

    /** Makes the engine thread's view of the pool readable from others. */
    private void publish() {
        kvBytes = pool.blocksInUse() * pool.blockBytes();
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

    /**
     * A request's progress: its tokens (the prompt, then what was generated), how many of them its cache holds, what
     * was generated. The last generated token enters the cache with the next step.
     */
    private final class Sequence {
        final GenerationRequest request;
        final TokenSink sink;
        final Ticket ticket;
        final Sampler sampler;
        final int promptLength;
        int[] tokens;
        int length;
        KvCache cache;
        int cachedTokens = -1;
        int generated;
        /** The request's first choice, whose prefill this one waits for and shares; null for a first choice. */
        Sequence leader;
        /** The whole prompt has been in the cache (the first token was sampled): its full blocks are findable. */
        boolean promptCached;
        boolean ended;
        /** Guesses at the tokens after the last one drawn, to be verified with it in the next step. */
        int[] drafts = new int[0];
        int draftedTokens;
        int acceptedDrafts;

        Sequence(GenerationRequest request, TokenSink sink, Ticket ticket) {
            this.request = request;
            this.sink = sink;
            this.ticket = ticket;
            this.tokens = Arrays.copyOf(request.prompt(), request.prompt().length + Math.min(request.maxTokens(), 256));
            this.promptLength = request.prompt().length;
            this.length = promptLength;
            this.sampler = new Sampler(request.sampling(), request.prompt(), request.constraint());
        }

        int[] tokens() {
            return Arrays.copyOf(tokens, length);
        }

        /** Whether this is a later choice of a request whose first choice has not yet got its prompt into the cache. */
        boolean waitsForLeader() {
            return leader != null && !leader.promptCached && !leader.ended;
        }

        /** Runs from {@code cache}, whose first {@code reused} positions came from the prefix cache. */
        void start(KvCache cache, int reused) {
            this.cache = cache;
            if (cachedTokens < 0) {
                cachedTokens = reused;
                notifySink(() -> sink.onStarted(reused));
            }
        }

        /** One token to decode: everything but the token sampled last is in the cache. */
        boolean decoding() {
            return generated > 0 && length - cache.length() == 1;
        }

        /**
         * The last token drawn and as many of its drafts as the request's max_tokens and the context leave room for
         * (a step yields at most one token more than it verifies), or the prompt's next chunk.
         */
        int[] nextInput(int prefillBudget) {
            int fed = cache.length();
            if (decoding()) {
                int room = Math.min(request.maxTokens() - generated - 1, contextLength - length);
                int guesses = Math.max(0, Math.min(drafts.length, room));
                int[] input = new int[1 + guesses];
                input[0] = tokens[fed];
                System.arraycopy(drafts, 0, input, 1, guesses);
                return input;
            }
            int chunk = Math.min(length - fed, prefillBudget);
            return chunk <= 0 ? new int[0] : Arrays.copyOfRange(tokens, fed, fed + chunk);
        }

        /** Records a sampled token; returns why the sequence ends, or null to go on. */
        TokenSink.FinishReason accept(int token, TokenLogprobs logprobs) {
            if (length == tokens.length) {
                tokens = Arrays.copyOf(tokens, 2 * tokens.length);
            }
            tokens[length++] = token;
            generated++;
            promptCached = true;
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
            ended = true;
            release();
            admitted.decrementAndGet();
            TokenSink.Usage usage = new TokenSink.Usage(promptLength, Math.max(0, cachedTokens), generated, draftedTokens,
                    acceptedDrafts);
            notifySink(() -> sink.onFinish(reason, usage));
        }

        void fail(RuntimeException error) {
            ended = true;
            release();
            admitted.decrementAndGet();
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

        void release() {
            drafts = new int[0];
            if (cache != null) {
                cache.close();
                cache = null;
            }
        }
    }
}
