package dev.glint.server.cli;

import dev.glint.engine.quant.QuantizationProgress;

import java.io.PrintStream;

/** One line on stderr redrawn in place, at most ten times a second; nothing at all when not on a terminal. */
final class ProgressBar implements QuantizationProgress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final String label;
    private final PrintStream out = System.err;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean finished;

    private ProgressBar(String label) {
        this.label = label;
    }

    static QuantizationProgress quantizing(String label) {
        return System.console() != null && System.console().isTerminal() ? new ProgressBar(label) : QuantizationProgress.NONE;
    }

    @Override
    public synchronized void update(long done, long total) {
        long now = System.nanoTime();
        boolean complete = done >= total;
        if (finished || (!complete && now - lastDraw < REDRAW_NANOS)) {
            return;
        }
        lastDraw = now;
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        double unit = total >= 1e9 ? 1e9 : 1e6;
        out.printf("\r%s [%s%s] %3d%% %.2f/%.2f %s %.1f s", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                total == 0 ? 100 : 100 * done / total, done / unit, total / unit, total >= 1e9 ? "GB" : "MB", (now - start) / 1e9);
        if (complete) {
            out.println();
            finished = true;
        }
        out.flush();
    }
}
