package dev.glint.benchmarks;

import dev.glint.kernels.AttentionState;
import dev.glint.kernels.KvType;
import dev.glint.kernels.PagedAttention;
import dev.glint.kernels.PagedKv;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One decode step of attention for one layer of the glm-bench shape (16 query heads over 4 KV heads of 128) at a given
 * context, per KV cache type, on one thread. Reported as KV bytes read per second ("kvBytes" row: GB/s = ops/s ÷ 1e9)
 * and context positions per second ("positions" row). The layers' caches together are far larger than the last-level
 * cache, and each call takes the next layer, so the rows stream from memory as at long context.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0"})
public class AttentionBenchmark {
    private static final int HEADS = 16;
    private static final int KV_HEADS = 4;
    private static final int HEAD_DIM = 128;
    private static final int BLOCK_TOKENS = 16;
    /** At least this many bytes of KV across the layers, so no context fits in cache. */
    private static final long FOOTPRINT = 256L << 20;

    @Param({"f32", "bf16", "fp8", "q8_0"})
    String kvType;

    @Param({"1024", "8192", "32768"})
    int context;

    private Arena arena;
    /** {@code [layer][kv head]}. */
    private PagedKv[][] layers;
    private long bytesPerLayer;
    private float[] q;
    private float[] out;
    private AttentionState state;
    private int next;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public long kvBytes;
        public long positions;
    }

    @Setup(Level.Trial)
    public void setUp() {
        KvType type = KvType.named(kvType);
        int rowBytes = type.rowBytes(HEAD_DIM);
        int blocks = context / BLOCK_TOKENS;
        long blockBytes = (long) KV_HEADS * BLOCK_TOKENS * rowBytes;
        bytesPerLayer = 2 * blocks * blockBytes;
        int layerCount = (int) Math.max(1, (FOOTPRINT + bytesPerLayer - 1) / bytesPerLayer);
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(9);
        float[] row = new float[HEAD_DIM];
        layers = new PagedKv[layerCount][KV_HEADS];
        for (int l = 0; l < layerCount; l++) {
            MemorySegment keys = arena.allocate(blocks * blockBytes, 64);
            MemorySegment values = arena.allocate(blocks * blockBytes, 64);
            int[] order = shuffled(random, blocks);
            for (int h = 0; h < KV_HEADS; h++) {
                long[] offsets = new long[blocks];
                for (int b = 0; b < blocks; b++) {
                    offsets[b] = order[b] * blockBytes + (long) h * BLOCK_TOKENS * rowBytes;
                }
                PagedKv kv = new PagedKv(type, HEAD_DIM, keys, values, offsets, BLOCK_TOKENS, rowBytes);
                for (int p = 0; p < context; p++) {
                    fill(random, row);
                    type.store(row, 0, HEAD_DIM, keys, kv.rowOffset(p));
                    fill(random, row);
                    type.store(row, 0, HEAD_DIM, values, kv.rowOffset(p));
                }
                layers[l][h] = kv;
            }
        }
        q = new float[HEADS * HEAD_DIM];
        fill(random, q);
        out = new float[HEADS * HEAD_DIM];
        state = new AttentionState(HEADS / KV_HEADS, HEAD_DIM);
    }

    private static void fill(SplittableRandom random, float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
    }

    /** Blocks in a random order, as a pool hands them out once sequences have come and gone. */
    private static int[] shuffled(SplittableRandom random, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float decodeStep(Traffic traffic) {
        PagedKv[] layer = layers[next];
        next = (next + 1) % layers.length;
        int group = HEADS / KV_HEADS;
        float scale = (float) (1 / Math.sqrt(HEAD_DIM));
        for (int h = 0; h < KV_HEADS; h++) {
            PagedAttention.attend(layer[h], 0, context, q, h * group * HEAD_DIM, scale, state, out, h * group * HEAD_DIM);
        }
        traffic.kvBytes += bytesPerLayer;
        traffic.positions += context;
        return out[0];
    }
}
