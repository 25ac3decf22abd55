package dev.glint.server.cli;

import dev.glint.engine.quant.QuantizationProgress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Quantization progress as a bar on stderr, in MB of source weights; none when stderr is not a terminal, so logs
 * and pipes stay clean.
 */
final class QuantizationProgressBar implements QuantizationProgress {
    private final ProgressBar bar;
    private boolean finished;

    private QuantizationProgressBar(String label) {
        bar = new ProgressBarBuilder().setTaskName(label).setUnit(" MB", 1_000_000).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(100).showSpeed().build();
    }

    static QuantizationProgress quantizing(String label) {
        return System.console() != null && System.console().isTerminal() ? new QuantizationProgressBar(label)
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
