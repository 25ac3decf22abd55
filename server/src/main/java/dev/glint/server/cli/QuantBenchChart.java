package dev.glint.server.cli;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

import static dev.glint.engine.eval.Throughput.mean;

/** quant-bench's chart: mean KL divergence from bf16 against decode speed (left) and resident weight size (right). */
final class QuantBenchChart {
    private static final int PANEL = 360;
    private static final int HEIGHT = 300;
    private static final int MARGIN = 50;

    private QuantBenchChart() {
    }

    static String svg(String model, List<QuantBenchCommand.Result> results) {
        int width = 2 * (PANEL + MARGIN) + MARGIN;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n"
                        + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"
                        + "<text x=\"%d\" y=\"20\" font-size=\"14\">%s: quality (mean KL vs bf16, lower is better) against speed and size</text>%n",
                width, HEIGHT + 2 * MARGIN, MARGIN, escape(model)));
        panel(svg, MARGIN, "decode tok/s", results, r -> mean(r.speed().decode()));
        panel(svg, 2 * MARGIN + PANEL, "resident weights (MB)", results, r -> r.weightBytes() / 1e6);
        return svg.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder svg, int left, String xLabel, List<QuantBenchCommand.Result> results,
                              ToDoubleFunction<QuantBenchCommand.Result> x) {
        double xMax = results.stream().mapToDouble(x).max().orElse(1) * 1.15;
        double yMax = Math.max(1e-9, results.stream().mapToDouble(r -> r.quality().meanKl()).max().orElse(1) * 1.15);
        int top = MARGIN, bottom = MARGIN + HEIGHT;
        svg.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n"
                        + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s (axis 0 to %.3g)</text>%n"
                        + "<text x=\"%d\" y=\"%d\" transform=\"rotate(-90 %d %d)\" text-anchor=\"middle\">mean KL (0 to %.3g)</text>%n",
                left, top, PANEL, HEIGHT, left + PANEL / 2, bottom + 30, xLabel, xMax,
                left - 12, top + HEIGHT / 2, left - 12, top + HEIGHT / 2, yMax));
        for (QuantBenchCommand.Result r : results) {
            double px = left + PANEL * x.applyAsDouble(r) / xMax;
            double py = bottom - HEIGHT * r.quality().meanKl() / yMax;
            svg.append(String.format(Locale.ROOT,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#1f77b4\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>%n",
                    px, py, px + 8, py - 6, escape(r.format())));
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
