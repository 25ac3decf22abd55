package dev.glint.engine.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Collects a sequence's tokens and completes when it finishes or fails. */
class Collector implements TokenSink {
    final List<Integer> tokens = new ArrayList<>();
    final CompletableFuture<Outcome> done = new CompletableFuture<>();

    /** What one sequence received. */
    record Outcome(int[] tokens, FinishReason reason, Usage usage) {
    }

    @Override
    public boolean onToken(int id, TokenLogprobs logprobs) {
        tokens.add(id);
        return true;
    }

    @Override
    public void onFinish(FinishReason reason, Usage usage) {
        done.complete(new Outcome(tokens.stream().mapToInt(Integer::intValue).toArray(), reason, usage));
    }

    @Override
    public void onError(RuntimeException error) {
        done.completeExceptionally(error);
    }
}
