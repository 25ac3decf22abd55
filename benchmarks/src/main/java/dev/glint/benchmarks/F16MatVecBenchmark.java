package dev.glint.benchmarks;

import dev.glint.kernels.F16Matrix;
import dev.glint.kernels.WorkerPool;
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
 * Decode's matrix×vector on F16 weights (the unquantized tensors of AWQ and GPTQ checkpoints), reported as bytes of
 * weights streamed per second ("weightBytes" row in GB/s = ops/s ÷ 1e9), over matrices far larger than the cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class F16MatVecBenchmark {

    @Param({"2048"})
    int cols;

    @Param({"6144"})
    int rows;

    /** Enough distinct matrices that each call streams its weights from memory, not cache. */
    @Param({"16"})
    int matrices;

    @Param({"1", "2"})
    int threads;

    private Arena arena;
    private F16Matrix[] weights;
    private float[] x;
    private float[] out;
    private WorkerPool pool;
    private int next;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public long weightBytes;
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        weights = new F16Matrix[matrices];
        SplittableRandom random = new SplittableRandom(7);
        for (int m = 0; m < matrices; m++) {
            MemorySegment data = arena.allocate(2L * rows * cols, 64);
            for (long i = 0; i < (long) rows * cols; i++) {
                data.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16((float) (0.02 * gaussian(random))));
            }
            weights[m] = new F16Matrix(data, rows, cols);
        }
        x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) random.nextDouble();
        }
        out = new float[rows];
        pool = new WorkerPool(threads);
    }

    /** Weights as trained ones are distributed, so some are subnormal halves, as in real F16 checkpoints. */
    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float matVec(Traffic traffic) {
        F16Matrix w = weights[next];
        next = (next + 1) % matrices;
        pool.forRange(rows, 64, (from, to) -> w.matVec(x, out, from, to));
        traffic.weightBytes += 2L * rows * cols;
        return out[0];
    }
}
