package dev.glint.benchmarks;

import dev.glint.kernels.Fp8Matrix;
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
 * Decode's matrix×vector on FP8 E4M3 weights with per-channel scales (GLM-4.x FP8) or 128×128 block scales
 * (DeepSeek/GLM-5 style), reported as bytes of weights and scales streamed per second ("weightBytes" row in GB/s =
 * ops/s ÷ 1e9), over matrices far larger than the cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Fp8MatVecBenchmark {

    @Param({"2048"})
    int cols;

    @Param({"6144"})
    int rows;

    /** Enough distinct matrices that each call streams its weights from memory, not cache. */
    @Param({"16"})
    int matrices;

    /** 0: one scale per output channel; otherwise square blocks of this size. */
    @Param({"0", "128"})
    int block;

    @Param({"1", "2"})
    int threads;

    private Arena arena;
    private Fp8Matrix[] weights;
    private long bytesPerMatrix;
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
        weights = new Fp8Matrix[matrices];
        SplittableRandom random = new SplittableRandom(7);
        int blockRows = block == 0 ? 1 : block;
        int blockCols = block == 0 ? cols : block;
        long scaleCount = (long) ((rows + blockRows - 1) / blockRows) * ((cols + blockCols - 1) / blockCols);
        bytesPerMatrix = (long) rows * cols + 4 * scaleCount;
        for (int m = 0; m < matrices; m++) {
            MemorySegment data = arena.allocate((long) rows * cols, 64);
            for (long i = 0; i < data.byteSize(); i++) {
                int code = random.nextInt(256);
                data.set(ValueLayout.JAVA_BYTE, i, (byte) ((code & 0x7F) == 0x7F ? code ^ 1 : code));
            }
            MemorySegment scales = arena.allocate(4 * scaleCount, 64);
            for (long s = 0; s < scaleCount; s++) {
                scales.setAtIndex(ValueLayout.JAVA_FLOAT, s, (float) random.nextDouble() / 448);
            }
            weights[m] = new Fp8Matrix(data, rows, cols, scales, blockRows, blockCols);
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
        Fp8Matrix w = weights[next];
        next = (next + 1) % matrices;
        pool.forRange(rows, 64, (from, to) -> w.matVec(x, out, from, to));
        traffic.weightBytes += bytesPerMatrix;
        return out[0];
    }
}
