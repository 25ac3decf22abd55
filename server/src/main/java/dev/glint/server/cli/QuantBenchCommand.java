package dev.glint.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.eval.EvalSet;
import dev.glint.engine.eval.NextTokenQuality;
import dev.glint.engine.eval.Throughput;
import dev.glint.engine.kv.KvCache;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.quant.QuantFormat;
import dev.glint.engine.quant.QuantizationPlan;
import dev.glint.engine.text.tokenizer.Tokenizer;
import dev.glint.kernels.MatrixProducts.Activations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

import static dev.glint.engine.eval.Throughput.mean;
import static dev.glint.engine.eval.Throughput.spread;

/**
 * Compares quantization strategies on one model: next-token quality against the unquantized model over a text, task
 * accuracy on the model's eval.json when it has one, speed and resident weight bytes. Writes quant-bench.json,
 * quant-bench.csv and quant-bench.svg.
 */
@Command(name = "quant-bench", description = "Compares bf16 (as stored), fp8, q8 and q4: KL divergence, top-1 agreement, "
        + "perplexity, eval accuracy, prefill and decode tokens/s, resident weight bytes.")
final class QuantBenchCommand implements Callable<Integer> {
    private static final String REFERENCE = "bf16";

    @Mixin
    ModelFolder model;

    @Option(names = "--formats", paramLabel = "LIST", split = ",",
            description = "Strategies to compare; bf16 is the model as stored, the reference (default ${DEFAULT-VALUE}).")
    List<String> formats = List.of(REFERENCE, "fp8", "q8", "q4");

    @Option(names = "--quantize-tensors", paramLabel = "KINDS", description = QuantizeOptions.TENSORS_HELP)
    String tensors;

    @Option(names = "--text", paramLabel = "FILE",
            description = "Text for KL divergence and perplexity (default: models/quant-bench.txt, glm-nano eval conversations).")
    Path text = Path.of(System.getProperty("glint.home", "."), "models", "quant-bench.txt");

    @Option(names = "--text-tokens", paramLabel = "N", description = "Most tokens of the text used (default ${DEFAULT-VALUE}).")
    int textTokens = 4096;

    @Option(names = "--window", paramLabel = "N", description = "Tokens per window, each run from an empty cache (default ${DEFAULT-VALUE}).")
    int window = 256;

    @Option(names = "--eval-items", paramLabel = "N",
            description = "eval.json items answered per strategy, when the model has one (default: all; 0 skips).")
    Integer evalItems;

    @Mixin
    ThroughputOptions timing;

    @Option(names = "--activations", paramLabel = "TYPES", split = ",",
            description = "What the quantized formats multiply, each measured: float (the exact path), int8 (the fast "
                    + "path, for formats with an integer kernel, q4; shown as FORMAT+int8) (default ${DEFAULT-VALUE}).")
    List<Activations> activations = List.of(Activations.FLOAT, Activations.INT8);

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the JSON, CSV and SVG (default: the current one).")
    Path out = Path.of(".");

    /** A format and what its weights multiply. */
    private record Strategy(String name, QuantizationPlan plan, Activations activations) {
    }

    /** One strategy's numbers; {@code correct} is -1 without an eval set. */
    record Result(String format, String plan, NextTokenQuality quality, int correct, int evalItems, Throughput speed,
                  long weightBytes) {
    }

    @Override
    public Integer call() throws IOException {
        if (!formats.contains(REFERENCE)) {
            throw new IllegalArgumentException("--formats must include " + REFERENCE + ", the reference the others are compared with");
        }
        if (threads < 1 || textTokens < 2 || window < 2) {
            throw new IllegalArgumentException("--threads must be at least 1, --text-tokens and --window at least 2");
        }
        List<Strategy> strategies = new ArrayList<>();
        for (String format : formats) {
            if (format.equals(REFERENCE)) {
                strategies.add(new Strategy(format, QuantizationPlan.NONE, Activations.FLOAT));
                continue;
            }
            QuantFormat parsed = QuantFormat.parse(format, "--formats");
            QuantizationPlan plan = QuantizationPlan.parse(parsed, tensors);
            for (Activations a : parsed.multipliesInt8Activations() ? activations : List.of(Activations.FLOAT)) {
                strategies.add(new Strategy(a == Activations.FLOAT ? format : format + "+int8", plan, a));
            }
        }
        Tokenizer tokenizer = Tokenizer.load(model.directory);
        List<int[]> windows = windows(tokenizer.encode(Files.readString(text)));
        EvalSet eval = EvalSet.presentIn(model.directory) && (evalItems == null || evalItems > 0)
                ? EvalSet.load(model.directory) : null;
        if (eval != null && evalItems != null) {
            eval = eval.first(evalItems);
        }
        List<float[]> reference = null;
        List<Integer> referenceFirst = IntStream.range(0, strategies.size()).boxed()
                .sorted(Comparator.comparing(i -> !strategies.get(i).name().equals(REFERENCE))).toList();
        Result[] results = new Result[strategies.size()];
        for (int i : referenceFirst) {
            Strategy strategy = strategies.get(i);
            QuantizationPlan plan = strategy.plan();
            try (Glm4Moe glm = Glm4Moe.load(model.directory, threads, plan, QuantizationProgressBar.quantizing(plan),
                    strategy.activations())) {
                List<float[]> logits = windows.stream().map(w -> allLogits(glm, w)).toList();
                if (reference == null) {
                    reference = logits;
                }
                NextTokenQuality quality = NextTokenQuality.of(windows, reference, logits, glm.config().vocabSize());
                int correct = eval == null ? -1 : eval.correctAnswers(glm, tokenizer);
                Throughput speed = timing.measure(glm);
                results[i] = new Result(strategy.name(), plan.describe(), quality, correct,
                        eval == null ? 0 : eval.items().size(), speed, glm.residentWeightBytes());
                System.err.printf("quant-bench: %s done%n", strategy.name());
            }
        }
        List<Result> all = List.of(results);
        System.out.print(table(all));
        Files.createDirectories(out);
        Files.writeString(out.resolve("quant-bench.json"), json(all));
        Files.writeString(out.resolve("quant-bench.csv"), csv(all));
        Files.writeString(out.resolve("quant-bench.svg"), QuantBenchChart.svg(model.directory.getFileName().toString(), all));
        System.err.printf("quant-bench: wrote quant-bench.json, .csv and .svg to %s%n", out);
        return 0;
    }

    /** The first {@code --text-tokens} tokens in windows of {@code --window}; a last window shorter than 2 is dropped. */
    private List<int[]> windows(int[] tokens) {
        int used = Math.min(tokens.length, textTokens);
        List<int[]> windows = new ArrayList<>();
        for (int start = 0; start + 2 <= used; start += window) {
            windows.add(Arrays.copyOfRange(tokens, start, Math.min(used, start + window)));
        }
        if (windows.isEmpty()) {
            throw new IllegalArgumentException(text + " has " + tokens.length + " tokens; at least 2 are needed");
        }
        return windows;
    }

    private static float[] allLogits(Glm4Moe glm, int[] tokens) {
        try (KvCache cache = glm.newCache(tokens.length)) {
            return glm.forward(tokens, cache, true);
        }
    }

    private String table(List<Result> results) {
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "model %s, %d threads, %d text positions%n%-6s %9s %9s %7s %9s %10s %16s %16s %11s%n", model.directory, threads,
                results.getFirst().quality().positions(), "format", "KL mean", "KL max", "top-1", "PPL", "accuracy",
                "pp" + timing.promptTokens + " tok/s", "tg" + timing.genTokens + " tok/s", "weights MB"));
        for (Result r : results) {
            table.append(String.format(Locale.ROOT, "%-6s %9.5f %9.5f %6.1f%% %9.3f %10s %9.1f ± %4.1f %9.1f ± %4.1f %11.2f%n",
                    r.format(), r.quality().meanKl(), r.quality().maxKl(), 100 * r.quality().top1Agreement(),
                    r.quality().perplexity(), r.correct() < 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", accuracy(r)),
                    mean(r.speed().prefill()), spread(r.speed().prefill()), mean(r.speed().decode()),
                    spread(r.speed().decode()), r.weightBytes() / 1e6));
        }
        return table.toString();
    }

    static double accuracy(Result r) {
        return 100.0 * r.correct() / r.evalItems();
    }

    private String json(List<Result> results) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("model", model.directory.toString());
        root.put("threads", threads);
        root.put("text", text.toString());
        root.put("positions", results.getFirst().quality().positions());
        root.put("prompt_tokens", timing.promptTokens);
        root.put("gen_tokens", timing.genTokens);
        ArrayNode list = root.putArray("results");
        for (Result r : results) {
            ObjectNode o = list.addObject();
            o.put("format", r.format());
            o.put("plan", r.plan());
            o.put("kl_mean", r.quality().meanKl());
            o.put("kl_max", r.quality().maxKl());
            o.put("top1_agreement", r.quality().top1Agreement());
            o.put("perplexity", r.quality().perplexity());
            if (r.correct() >= 0) {
                o.put("eval_correct", r.correct());
                o.put("eval_items", r.evalItems());
            }
            o.put("prefill_tok_s", mean(r.speed().prefill()));
            o.put("prefill_tok_s_sd", spread(r.speed().prefill()));
            o.put("decode_tok_s", mean(r.speed().decode()));
            o.put("decode_tok_s_sd", spread(r.speed().decode()));
            o.put("weight_bytes", r.weightBytes());
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static String csv(List<Result> results) {
        StringBuilder csv = new StringBuilder("format,plan,kl_mean,kl_max,top1_agreement,perplexity,eval_correct,eval_items,"
                + "prefill_tok_s,prefill_tok_s_sd,decode_tok_s,decode_tok_s_sd,weight_bytes\n");
        for (Result r : results) {
            csv.append(String.format(Locale.ROOT, "%s,\"%s\",%.6g,%.6g,%.6g,%.6g,%s,%s,%.4g,%.3g,%.4g,%.3g,%d%n", r.format(),
                    r.plan(), r.quality().meanKl(), r.quality().maxKl(), r.quality().top1Agreement(), r.quality().perplexity(),
                    r.correct() < 0 ? "" : r.correct(), r.correct() < 0 ? "" : r.evalItems(), mean(r.speed().prefill()),
                    spread(r.speed().prefill()), mean(r.speed().decode()), spread(r.speed().decode()), r.weightBytes()));
        }
        return csv.toString();
    }
}
