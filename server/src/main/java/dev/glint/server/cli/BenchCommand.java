package dev.glint.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.eval.Throughput;
import dev.glint.engine.kv.KvLayout;
import dev.glint.engine.model.Footprint;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.speculative.Speculation;
import dev.glint.engine.text.tokenizer.Tokenizer;
import dev.glint.kernels.KvType;
import dev.glint.kernels.MatrixProducts.Activations;
import dev.glint.kernels.ReadBandwidth;
import dev.glint.kernels.Vectors;
import dev.glint.kernels.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import static dev.glint.engine.eval.Throughput.mean;
import static dev.glint.engine.eval.Throughput.spread;

/**
 * Prefill and decode speed, llama-bench style ({@link Throughput}), at each depth of context asked for; for decode, the
 * bytes it read per second and their fraction of the machine's read bandwidth, probed in the same process.
 */
@Command(name = "bench", description = {
        "Measures prefill (pp) and decode (tg) tokens per second on random token ids, at each --depth of context.",
        "A depth is filled with synthetic pseudo-random keys and values in the KV type instead of being prefilled: "
                + "attention's cost does not depend on the values."})
final class BenchCommand implements Callable<Integer> {
    private static final long PROBE_BYTES = 512L << 20;
    private static final int PROBE_PASSES = 5;

    @Mixin
    ModelOptions model;

    @Mixin
    ThroughputOptions timing;

    @Option(names = "--depth", paramLabel = "N[,N...]", split = ",",
            description = "Positions of context already in the cache before each test (default ${DEFAULT-VALUE}).")
    List<Integer> depths = List.of(0);

    @Option(names = "--parallel", paramLabel = "N",
            description = "Sequences prefilled in one step and then decoded together, llama-batched-bench's -npl: "
                    + "aggregate tokens/s of all N (default ${DEFAULT-VALUE}: llama-bench's single sequence).")
    int parallel = 1;

    @Mixin
    SpeculationOptions speculation;

    @Mixin
    PagingOptions paging;

    @Option(names = "--accept-rate", paramLabel = "R",
            description = "With --speculative: the share of drafts that hold, forced by a seeded coin, since random "
                    + "weights guess nothing (default ${DEFAULT-VALUE}, glm-nano-mtp's rate along its eval answers).")
    double acceptRate = 0.92;

    @Option(names = "--answers", paramLabel = "FILE.json",
            description = "With --speculative ngram: decode these answers to their prompts ({\"items\": [{\"prompt\": ..., "
                    + "\"answer\": ...}]}, such as benchmarks/code-edits.json) plainly and with n-gram drafts that hold "
                    + "while they agree with the answer, instead of drafts held at --accept-rate.")
    Path answers;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "The tokenizer of --answers (default: the model's).")
    Path tokenizer;

    @Option(names = "--compare-activations",
            description = "Times the exact path (float activations) and the fast path (int8, for q4) of the one loaded "
                    + "model in turn, a repetition of each at a time, and prints both and their ratio: the machine's "
                    + "speed drifts by tens of percent from one run to the next, alike for both paths within one.")
    boolean compareActivations;

    @Override
    public Integer call() {
        if (parallel < 1 || parallel > 1 && (timing.promptTokens < 1 || !depths.equals(List.of(0)))) {
            throw new IllegalArgumentException("--parallel must be at least 1, and with more than 1 sequence needs "
                    + "--prompt-tokens of at least 1 and no --depth, got " + parallel + ", " + timing.promptTokens
                    + " and " + depths);
        }
        if (depths.stream().anyMatch(d -> d < 0)) {
            throw new IllegalArgumentException("--depth must be at least 0, got " + depths);
        }
        Speculation speculative = speculation.speculation();
        if (speculative != null && speculative.drafts() && timing.genTokens < 1) {
            throw new IllegalArgumentException("--speculative measures decode: it needs --gen-tokens of at least 1");
        }
        if (answers != null && (speculative == null || speculative.method() != Speculation.Method.NGRAM || parallel > 1)) {
            throw new IllegalArgumentException("--answers replays n-gram drafts of one sequence: it needs --speculative "
                    + "ngram and no --parallel");
        }
        if (compareActivations && (parallel > 1 || speculative != null && speculative.drafts())) {
            throw new IllegalArgumentException("--compare-activations times one sequence: it takes no --parallel or "
                    + "--speculative");
        }
        KvType type = timing.type();
        boolean mtp = speculative != null && speculative.method() == Speculation.Method.MTP;
        try (Glm4Moe glm = model.load(Activations.INT8, mtp); WorkerPool probePool = new WorkerPool(model.threads)) {
            paging.apply(glm, glm.residentWeightBytes());
            Throughput.Test test = timing.test(glm);
            Footprint footprint = Footprint.of(glm.config());
            // in double: resident bytes times parameters passes a long at GLM-4.5-Air's sizes
            double bytesPerParameter = (double) glm.residentWeightBytes() / footprint.totalParameters();
            double weightBytes = bytesPerParameter * footprint.weightsReadPerToken();
            long kvBytesPerToken = KvLayout.of(glm.config(), type).bytesPerToken();
            if (compareActivations) {
                for (Activations activations : Activations.values()) {
                    glm.activations(activations);
                    Throughput.warmUp(glm, type);
                }
            } else {
                Throughput.warmUp(glm, type);
            }
            System.out.printf("threads %d, vector %d bits, %s KV cache: %d bytes per token; weights read per token: %.1f MB%n",
                    model.threads, Vectors.BITS, timing.kvType, kvBytesPerToken, weightBytes / 1e6);
            System.out.println("| test | KV pool MiB | t/s | GB/s read (weights + KV) | of read bandwidth |");
            System.out.println("|---|---:|---:|---:|---:|");
            List<Double> bandwidths = new ArrayList<>();
            if (parallel > 1) {
                Throughput speed = Throughput.measureParallel(glm, type, parallel, timing.promptTokens, timing.genTokens,
                        timing.repetitions);
                double bytesPerStep = bytesPerParameter * Footprint.weightsReadPerStep(glm.config(), parallel);
                printRows(" x" + parallel, speed, bytesPerStep, parallel, probePool, bandwidths);
                if (speculative != null && speculative.drafts()) {
                    printSpeculative(glm, type, speculative, mean(speed.decode()));
                }
                if (timing.genTokens > 0) {
                    System.out.printf("weights read per step of %d tokens (the union of their experts under uniform "
                            + "routing): %.1f MB; at the probed bandwidth that allows %.1f tok/s%n", parallel,
                            bytesPerStep / 1e6, parallel * bandwidths.getLast() / bytesPerStep);
                }
            } else {
                for (int depth : depths) {
                    if (compareActivations) {
                        printComparison(glm, type, test, depth, weightBytes + (double) depth * kvBytesPerToken, probePool,
                                bandwidths);
                        continue;
                    }
                    long start = System.nanoTime();
                    Throughput speed = Throughput.measure(glm, type, test, depth, timing.repetitions);
                    if (depth > 0) {
                        System.err.printf("d%d: filled and measured in %.1f s%n", depth, (System.nanoTime() - start) / 1e9);
                    }
                    printRows(" @ d" + depth, speed, weightBytes + (double) depth * kvBytesPerToken, 1, probePool, bandwidths);
                    if (depth == 0 && speculative != null && speculative.drafts()) {
                        if (answers != null) {
                            printReplay(glm, type, speculative);
                        } else {
                            printSpeculative(glm, type, speculative, mean(speed.decode()));
                        }
                    }
                }
            }
            if (!bandwidths.isEmpty()) {
                System.out.printf("read bandwidth (%d threads, vector sum over %d MiB, best of %d, after each tg test): %s GB/s%n",
                        model.threads, PROBE_BYTES >> 20, PROBE_PASSES,
                        bandwidths.stream().map(b -> "%.1f".formatted(b / 1e9)).collect(Collectors.joining(", ")));
            }
        }
        return 0;
    }

    /**
     * The pp and tg rows of one measured test, {@code where} naming it; a decode step of {@code tokensPerStep} tokens
     * reads {@code bytesPerStep}, set against the bandwidth probed right after the test (the machine's drifts by tens of
     * percent within minutes), which is added to {@code bandwidths}.
     */
    private void printRows(String where, Throughput speed, double bytesPerStep, int tokensPerStep, WorkerPool probePool,
                           List<Double> bandwidths) {
        String pool = "%.1f".formatted(speed.poolBytes() / 1048576.0);
        if (timing.promptTokens > 0) {
            System.out.printf("| pp%d%s | %s | %s | | |%n", timing.promptTokens, where, pool, summary(speed.prefill()));
        }
        if (timing.genTokens > 0) {
            double bandwidth = ReadBandwidth.measure(probePool, PROBE_BYTES, PROBE_PASSES);
            bandwidths.add(bandwidth);
            double rate = mean(speed.decode()) / tokensPerStep * bytesPerStep;
            System.out.printf("| tg%d%s | %s | %s | %.1f | %.0f%% |%n", timing.genTokens, where, pool,
                    summary(speed.decode()), rate / 1e9, 100 * rate / bandwidth);
        }
    }

    /**
     * The test at {@code depth} with each {@link Activations} in turn, one repetition at a time, so that both see the
     * same drifts of the machine: a row for each and their paired ratio.
     */
    private void printComparison(Glm4Moe glm, KvType type, Throughput.Test test, int depth, double bytesPerToken,
                                 WorkerPool probePool, List<Double> bandwidths) {
        Map<Activations, List<Throughput>> runs = new EnumMap<>(Activations.class);
        for (int r = 0; r < timing.repetitions; r++) {
            for (Activations activations : Activations.values()) {
                glm.activations(activations);
                runs.computeIfAbsent(activations, a -> new ArrayList<>()).add(Throughput.measure(glm, type, test, depth, 1));
            }
        }
        Map<Activations, Throughput> merged = new EnumMap<>(Activations.class);
        runs.forEach((activations, each) -> merged.put(activations, new Throughput(
                each.stream().flatMapToDouble(t -> Arrays.stream(t.prefill())).toArray(),
                each.stream().flatMapToDouble(t -> Arrays.stream(t.decode())).toArray(), each.getFirst().poolBytes())));
        merged.forEach((activations, speed) -> printRows(" @ d" + depth + " " + activations.name().toLowerCase(Locale.ROOT),
                speed, bytesPerToken, 1, probePool, bandwidths));
        Throughput exact = merged.get(Activations.FLOAT), fast = merged.get(Activations.INT8);
        System.out.printf("int8 / float activations at d%d (mean and spread of the repetitions' paired ratios):%s%s%n",
                depth, timing.promptTokens > 0 ? " pp " + pairedRatio(fast.prefill(), exact.prefill()) : "",
                timing.genTokens > 0 ? " tg " + pairedRatio(fast.decode(), exact.decode()) : "");
    }

    /**
     * The ratios of repetitions taken one right after the other: a drift of the machine over minutes cancels in each,
     * which the ratio of the two means would keep.
     */
    private static String pairedRatio(double[] fast, double[] exact) {
        double[] ratios = new double[fast.length];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = fast[i] / exact[i];
        }
        return "%.2fx ± %.2f".formatted(mean(ratios), spread(ratios));
    }

    /**
     * The same decode of {@code --parallel} sequences with drafts verified in each step, beside the plain decode's
     * aggregate rate {@code plain}.
     */
    private void printSpeculative(Glm4Moe glm, KvType type, Speculation speculative, double plain) {
        Throughput.Speculative speed = Throughput.measureSpeculative(glm, type, speculative, parallel, timing.genTokens,
                acceptRate, timing.repetitions);
        String method = speculative.method().name().toLowerCase(Locale.ROOT);
        System.out.printf("| tg%d%s %s, %d draft%s, %.0f%% held | | %s | | |%n", timing.genTokens,
                parallel > 1 ? " x" + parallel : "", method, speculative.draftTokens(),
                speculative.draftTokens() == 1 ? "" : "s", 100 * acceptRate, summary(speed.tokensPerSecond()));
        System.out.printf("speculative decode: %.2f tokens per step%s; a verify step of %d tokens%s %.2f ms%s against a "
                        + "plain decode step of %.2f ms: %.2fx the plain decode%n", speed.tokensPerStep(),
                parallel > 1 ? " and sequence" : "", speculative.draftTokens() + 1, parallel > 1 ? " per sequence" : "",
                speed.verifyMillis(),
                speed.draftMillis() > 0 ? " plus %.2f ms for the MTP layer".formatted(speed.draftMillis()) : "",
                1000.0 * parallel / plain, mean(speed.tokensPerSecond()) / plain);
    }

    /** Each answer of {@code --answers} decoded plainly and with n-gram drafts checked against it. */
    private void printReplay(Glm4Moe glm, KvType type, Speculation speculative) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> replies = new ArrayList<>();
        try {
            Tokenizer words = Tokenizer.load(tokenizer != null ? tokenizer : model.directory());
            for (JsonNode item : new ObjectMapper().readTree(answers.toFile()).path("items")) {
                prompts.add(words.encode(item.path("prompt").asText()));
                replies.add(words.encode(item.path("answer").asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + answers + " or its tokenizer: " + e.getMessage(), e);
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException(answers + " has no items with a prompt and an answer");
        }
        Throughput.Replay replay = Throughput.replayAnswers(glm, type, speculative.draftTokens(), prompts, replies);
        System.out.printf("| %d answers of %s, %d tokens: plain / ngram, %d drafts | | %.2f / %.2f | | |%n", prompts.size(),
                answers.getFileName(), replay.tokens(), speculative.draftTokens(), replay.plainTokensPerSecond(),
                replay.speculativeTokensPerSecond());
        System.out.printf("n-gram drafts along the answers: %d of %d held (%.1f%%), %.2f tokens per step: %.2fx the plain "
                        + "decode%n", replay.acceptedDraftTokens(), replay.draftTokens(),
                100.0 * replay.acceptedDraftTokens() / Math.max(1, replay.draftTokens()), (double) replay.tokens() / replay.steps(),
                replay.speculativeTokensPerSecond() / replay.plainTokensPerSecond());
    }

    private static String summary(double[] values) {
        return "%.2f ± %.2f".formatted(mean(values), spread(values));
    }
}
