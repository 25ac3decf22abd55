package dev.glint.server.cli;

import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.model.MemoryPlan;
import picocli.CommandLine.Option;

import java.util.Locale;

/** What the operating system is told about mapped weights, for checkpoints larger than memory. */
final class PagingOptions {
    /** When to ask for each layer's chosen experts ahead of the products that read them. */
    enum Prefetch {
        /** When the weights and KV pool need more than the memory the page cache can hold them in. */
        AUTO,
        ON,
        OFF;

        /** Whether to prefetch, for {@code bytesNeeded} of weights and KV pool against {@code memoryBytes}. */
        boolean enabled(long bytesNeeded, long memoryBytes) {
            return this == ON || this == AUTO && bytesNeeded > memoryBytes;
        }
    }

    @Option(names = "--mlock",
            description = "Lock in memory the weights every token reads (attention, dense and shared experts, routers, "
                    + "LM head), so that a checkpoint larger than memory pages only its routed experts. Needs a "
                    + "locked-memory limit that large (ulimit -l, LimitMEMLOCK) or CAP_IPC_LOCK.")
    boolean mlock;

    @Option(names = "--prefetch-experts", paramLabel = "WHEN", arity = "0..1", fallbackValue = "on",
            description = "Ask for each layer's chosen experts as soon as the router has chosen them (madvise "
                    + "WILLNEED), so that those not in memory are read from disk together instead of one page fault at "
                    + "a time: auto (the default) when the weights and KV pool need more than physical memory less the "
                    + "heap and 1 GiB, on (the flag alone) or off. It costs a system call per expert that walks pages "
                    + "already there, which is why auto leaves it off when everything fits.")
    Prefetch prefetchExperts = Prefetch.AUTO;

    /**
     * Applies the options to a loaded model that needs {@code bytesNeeded} of memory (weights and KV pool), saying on
     * stderr what was locked, and when prefetching turned on by itself.
     */
    void apply(Glm4Moe model, long bytesNeeded) {
        if (mlock) {
            long locked = model.lockWeightsEveryTokenReads();
            System.err.printf(Locale.ROOT, "locked %.1f MB of weights every token reads%n", locked / 1e6);
        }
        long memory = MemoryPlan.defaultLimit();
        boolean prefetch = prefetchExperts.enabled(bytesNeeded, memory);
        if (prefetch && prefetchExperts == Prefetch.AUTO) {
            System.err.printf(Locale.ROOT, "the weights and KV pool need %s, more than the %s of memory left for them "
                            + "(physical memory less the heap and 1 GiB): each layer's chosen experts are asked for "
                            + "ahead (--prefetch-experts=off does not)%n",
                    MemoryPlan.size(bytesNeeded), MemoryPlan.size(memory));
        }
        model.prefetchExperts(prefetch);
    }
}
