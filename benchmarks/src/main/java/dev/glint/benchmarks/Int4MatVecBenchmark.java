package dev.glint.benchmarks;

import dev.glint.kernels.Int4Matrix;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Decode's matrix×vector on Int4 weights in the layout every Int4 checkpoint is repacked into, reported as bytes of
 * packed weights, scales and mins streamed per second ("weightBytes" row in GB/s = ops/s ÷ 1e9), over matrices far
 * larger than the cache. Weights per second is that × 8 ÷ bits per weight (4.5 at group 128, 6 at group 32).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Int4MatVecBenchmark {

    @Param({"2048"})
    int cols;

    @Param({"6144"})
    int rows;

    /** Enough distinct matrices that each call streams its weights from memory, not cache. */
    @Param({"24"})
    int matrices;

    @Param({"32", "128"})
    int groupSize;

    @Param({"1", "2"})
    int threads;

    private Arena arena;
    private Int4Matrix[] weights;
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
        weights = new Int4Matrix[matrices];
        SplittableRandom random = new SplittableRandom(7);
        for (int m = 0; m < matrices; m++) {
            weights[m] = Int4Matrix.pack(arena, rows, cols, groupSize, null, (r, q, scales, mins) -> {
                for (int c = 0; c < q.length; c++) {
                    q[c] = (byte) random.nextInt(16);
                }
                for (int g = 0; g < scales.length; g++) {
                    scales[g] = (float) random.nextDouble() / 8;
                    mins[g] = -8 * scales[g];
                }
            });
        }
        x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) random.nextDouble();
        }
        out = new float[rows];
        pool = new WorkerPool(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float matVec(Traffic traffic) {
        Int4Matrix w = weights[next];
        next = (next + 1) % matrices;
        pool.forRange(rows, 64, (from, to) -> w.matVec(x, out, from, to));
        traffic.weightBytes += w.byteSize();
        return out[0];
    }
}
