package dev.glint.benchmarks;

import dev.glint.kernels.Bf16Matrix;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Prefill's batched matrix product on BF16 weights, one thread, reported as multiply-adds per second
 * ("multiplyAdds" row: GFLOP/s = 2 × ops/s ÷ 1e9). Shapes: an expert's projection with the ~16 tokens routed to it,
 * and an attention projection over a 128-token prompt.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0"})
public class Bf16MatMulBenchmark {

    @Param({"768x2048x16", "2048x2048x128"})
    String shape;

    private Arena arena;
    private Bf16Matrix weights;
    private float[] x;
    private float[] out;
    private int tokens;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Work {
        public long multiplyAdds;
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        tokens = Integer.parseInt(dims[2]);
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(9);
        MemorySegment data = arena.allocate(2L * rows * cols, 64);
        for (long i = 0; i < (long) rows * cols; i++) {
            data.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits((float) random.nextDouble()) >>> 16));
        }
        weights = new Bf16Matrix(data, rows, cols);
        x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        out = new float[tokens * rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float matMul(Work work) {
        weights.matMul(x, tokens, out, 0, weights.rows());
        work.multiplyAdds += (long) weights.rows() * weights.cols() * tokens;
        return out[0];
    }
}
