package dev.glint.server.cli;

import dev.glint.engine.model.Glm4Moe;
import picocli.CommandLine.Option;

import java.util.Locale;

/** What the operating system is told about mapped weights, for checkpoints larger than memory. */
final class PagingOptions {
    @Option(names = "--mlock",
            description = "Lock in memory the weights every token reads (attention, dense and shared experts, routers, "
                    + "LM head), so that a checkpoint larger than memory pages only its routed experts. Needs a "
                    + "locked-memory limit that large (ulimit -l, LimitMEMLOCK) or CAP_IPC_LOCK.")
    boolean mlock;

    @Option(names = "--prefetch-experts",
            description = "Ask for each layer's chosen experts as soon as the router has chosen them (madvise "
                    + "WILLNEED): those not in memory are read from disk together instead of one page fault at a time.")
    boolean prefetchExperts;

    /** Applies the options to a loaded model, saying on stderr what was locked. */
    void apply(Glm4Moe model) {
        if (mlock) {
            long locked = model.lockWeightsEveryTokenReads();
            System.err.printf(Locale.ROOT, "locked %.1f MB of weights every token reads%n", locked / 1e6);
        }
        model.prefetchExperts(prefetchExperts);
    }
}
