package dev.glint.benchmarks;

import dev.glint.kernels.Bf16Matrix;
import dev.glint.kernels.F16Matrix;
import dev.glint.kernels.Fp8Matrix;
import dev.glint.kernels.Int4Matrix;
import dev.glint.kernels.Int4TileMatrix;
import dev.glint.kernels.Int8Activations;
import dev.glint.kernels.Int8Matrix;
import dev.glint.kernels.Matrix;
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

import com.sun.management.OperatingSystemMXBean;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Decode's matrix×vector for each weight format, reported as bytes of weights (and scales) streamed per second
 * ("weightBytes" row: GB/s = ops/s ÷ 1e9). The matrices together are far larger than the last-level cache, as real
 * weights are, so the number is comparable with the machine's memory bandwidth.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0"})
public class MatVecBenchmark {

    @Param({"bf16", "f16", "fp8-channel", "fp8-block128", "int8", "int4-g32", "int4-g128", "q4-tiles-float", "q4-tiles-int8", "q4-tiles-int8-scalar"})
    String format;

    @Param({"2048"})
    int cols;

    @Param({"6144"})
    int rows;

    /** Enough distinct matrices (at least 384 MB of BF16) that each call streams its weights from memory, not cache. */
    @Param({"16"})
    int matrices;

    @Param({"1", "2"})
    int threads;

    private Arena arena;
    private Matrix[] weights;
    private long bytesPerMatrix;
    private float[] x;
    private float[] out;
    private WorkerPool pool;
    private int next;

    /**
     * Weight bytes streamed, and the CPU time the process spent on them: on a shared machine, where other processes
     * take turns on the cores, weightBytes ÷ cpuNanos (GB per CPU-second) varies far less than the rate per second.
     */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public long weightBytes;
        public long cpuNanos;
    }

    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(7);
        weights = new Matrix[matrices];
        for (int m = 0; m < matrices; m++) {
            weights[m] = randomMatrix(random);
        }
        x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) random.nextDouble();
        }
        out = new float[rows];
        pool = new WorkerPool(threads);
    }

    private Matrix randomMatrix(SplittableRandom random) {
        long count = (long) rows * cols;
        return switch (format) {
            case "bf16" -> {
                MemorySegment data = arena.allocate(2 * count, 64);
                for (long i = 0; i < count; i++) {
                    data.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits((float) (0.02 * gaussian(random))) >>> 16));
                }
                bytesPerMatrix = 2 * count;
                yield new Bf16Matrix(data, rows, cols);
            }
            case "f16" -> {
                MemorySegment data = arena.allocate(2 * count, 64);
                for (long i = 0; i < count; i++) {
                    data.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16((float) (0.02 * gaussian(random))));
                }
                bytesPerMatrix = 2 * count;
                yield new F16Matrix(data, rows, cols);
            }
            case "fp8-channel", "fp8-block128" -> {
                int blockRows = format.equals("fp8-channel") ? 1 : 128;
                int blockCols = format.equals("fp8-channel") ? cols : 128;
                long scaleCount = (long) ((rows + blockRows - 1) / blockRows) * ((cols + blockCols - 1) / blockCols);
                MemorySegment data = arena.allocate(count, 64);
                for (long i = 0; i < count; i++) {
                    data.set(ValueLayout.JAVA_BYTE, i, e4m3((float) (gaussian(random) * 448 / 5)));
                }
                MemorySegment scales = arena.allocate(4 * scaleCount, 64);
                for (long s = 0; s < scaleCount; s++) {
                    scales.setAtIndex(ValueLayout.JAVA_FLOAT, s, (float) random.nextDouble() / 448);
                }
                bytesPerMatrix = count + 4 * scaleCount;
                yield new Fp8Matrix(data, rows, cols, scales, blockRows, blockCols);
            }
            case "int8" -> {
                bytesPerMatrix = Int8Matrix.byteSize(rows, cols);
                yield Int8Matrix.quantize(arena, rows, cols, (r, row) -> {
                    for (int c = 0; c < row.length; c++) {
                        row[c] = (float) (0.02 * gaussian(random));
                    }
                });
            }
            case "int4-g32", "int4-g128" -> {
                // group 32 as Glint's q4 stores it (BF16 pairs), group 128 as a repacked AWQ/GPTQ checkpoint (F32 pairs)
                int groupSize = format.equals("int4-g32") ? 32 : 128;
                Int4Matrix.PairType pairType = groupSize == 32 ? Int4Matrix.PairType.BF16 : Int4Matrix.PairType.F32;
                bytesPerMatrix = Int4Matrix.byteSize(rows, cols, groupSize, pairType);
                yield Int4Matrix.pack(arena, pairType, rows, cols, groupSize, null, (r, q, scales, mins) -> {
                    for (int c = 0; c < q.length; c++) {
                        q[c] = (byte) random.nextInt(16);
                    }
                    for (int g = 0; g < scales.length; g++) {
                        scales[g] = Float.intBitsToFloat(Float.floatToRawIntBits((float) random.nextDouble() / 8) & 0xFFFF_0000);
                        mins[g] = -8 * scales[g];
                    }
                });
            }
            case "q4-tiles-float", "q4-tiles-int8", "q4-tiles-int8-scalar" -> {
                // Glint's q4 as its checkpoints store it, multiplied by float activations (the exact path) or by int8 ones
                bytesPerMatrix = Int4TileMatrix.nibbleBytes(rows, cols) + 2 * Int4TileMatrix.pairBytes(rows, cols);
                yield Int4TileMatrix.pack(arena, rows, cols, (r, q, scales, mins) -> {
                    for (int c = 0; c < q.length; c++) {
                        q[c] = (byte) random.nextInt(16);
                    }
                    for (int g = 0; g < scales.length; g++) {
                        scales[g] = Float.intBitsToFloat(Float.floatToRawIntBits((float) random.nextDouble() / 8) & 0xFFFF_0000);
                        mins[g] = -8 * scales[g];
                    }
                });
            }
            default -> throw new IllegalArgumentException("unknown format " + format);
        };
    }

    /**
     * The nearest E4M3 code of {@code v} (|v| ≤ 448), so FP8 codes are distributed as a real checkpoint's are: few
     * zeros and subnormals, which the kernel decodes on a slower exact path.
     */
    private static byte e4m3(float v) {
        int sign = v < 0 ? 0x80 : 0;
        float magnitude = Math.min(Math.abs(v), 448f);
        if (magnitude < 0x1p-6f) {
            return (byte) (sign | Math.round(magnitude / 0x1p-9f));
        }
        int exponent = Math.getExponent(magnitude);
        int mantissa = Math.round(Math.scalb(magnitude, -exponent) * 8) - 8;
        return (byte) (sign | (exponent + 7 + mantissa / 8) << 3 | mantissa % 8);
    }

    /** Weights distributed as trained ones are, so some F16 values are subnormal, as in real checkpoints. */
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
        Matrix w = weights[next];
        next = (next + 1) % matrices;
        long cpu = OS.getProcessCpuTime();
        if (format.startsWith("q4-tiles-int8")) {
            // quantizing the input is part of every product on this path
            Int8Activations q = Int8Activations.quantize(x, 1, cols);
            Int4TileMatrix tiles = (Int4TileMatrix) w;
            int tile = Int4TileMatrix.TILE_ROWS;
            if (format.endsWith("scalar")) {
                pool.forRange(rows / tile, 2, (from, to) -> tiles.matMulScalar(q, out, from * tile, to * tile));
            } else {
                pool.forRange(rows / tile, 2, (from, to) -> tiles.matMul(q, out, from * tile, to * tile));
            }
        } else {
            pool.forRange(rows, 64, (from, to) -> w.matVec(x, out, from, to));
        }
        traffic.cpuNanos += OS.getProcessCpuTime() - cpu;
        traffic.weightBytes += bytesPerMatrix;
        return out[0];
    }
}
