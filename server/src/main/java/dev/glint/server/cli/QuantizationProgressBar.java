package dev.glint.server.cli;

import dev.glint.engine.quant.QuantizationPlan;
import dev.glint.engine.quant.QuantizationProgress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Quantization progress as a bar on stderr, in MB of source weights; none when stderr is not a terminal, so logs
 * and pipes stay clean, and none when nothing is quantized.
 */
final class QuantizationProgressBar implements QuantizationProgress {
    private final ProgressBar bar;
    private boolean finished;

    private QuantizationProgressBar(String label) {
        bar = new ProgressBarBuilder().setTaskName(label).setUnit(" MB", 1_000_000).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(100).showSpeed().build();
    }

    static QuantizationProgress quantizing(QuantizationPlan plan) {
        return quantizing(plan, System.console() != null && System.console().isTerminal());
    }

    /**
     * A bar starts drawing as soon as it is built and stops only when the work is done: for an empty plan, which
     * reports no work, it would stay on screen at "?" under everything the command prints.
     */
    static QuantizationProgress quantizing(QuantizationPlan plan, boolean onTerminal) {
        return onTerminal && !plan.isEmpty() ? new QuantizationProgressBar("quantizing " + plan.describe())
                : QuantizationProgress.NONE;
    }

    @Override
    public synchronized void update(long done, long total) {
        if (finished) {
            return;
        }
        bar.maxHint(total);
        bar.stepTo(done);
        if (done >= total) {
            bar.close();
            finished = true;
        }
    }
}
