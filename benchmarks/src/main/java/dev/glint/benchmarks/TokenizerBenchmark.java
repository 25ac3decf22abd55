package dev.glint.benchmarks;

import dev.glint.engine.text.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Encoding speed of glm-nano's tokenizer on mixed English, code and CJK text, one thread, reported as bytes of UTF-8
 * input per second ("inputBytes" row: MB/s = ops/s ÷ 1e6). Run from the project root. Each call encodes a fresh
 * document so the per-word cache sees realistic reuse, not one memorised text.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TokenizerBenchmark {
    private static final String[] PARTS = {
            "The quick brown fox jumps over the lazy dog. ", "It's 2026 and we've shipped 1,234 builds; ",
            "def add(a, b):\n    return a + b\n", "for (int i = 0; i < n; i++) { sum += x[i]; }\n",
            "我们今天去北京大学学习。", "日本語のテキストです。", "Привет, мир! ", "emoji 🎉👍🏽 in text ",
            "{\"key\": [1, 2, {\"nested\": null}]}\n", "    indented\tline\r\n"};

    @Param({"models/glm-nano"})
    String model;

    private Tokenizer tokenizer;
    private String[] documents;
    private int next;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Input {
        public long inputBytes;
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        tokenizer = Tokenizer.load(Path.of(model));
        SplittableRandom random = new SplittableRandom(5);
        documents = new String[64];
        for (int d = 0; d < documents.length; d++) {
            StringBuilder text = new StringBuilder();
            while (text.length() < 16_384) {
                text.append(PARTS[random.nextInt(PARTS.length)]).append(random.nextInt(100_000)).append(' ');
            }
            documents[d] = text.toString();
        }
    }

    @Benchmark
    public int encode(Input input) {
        String document = documents[next];
        next = (next + 1) % documents.length;
        input.inputBytes += document.getBytes(StandardCharsets.UTF_8).length;
        return tokenizer.encode(document).length;
    }
}
