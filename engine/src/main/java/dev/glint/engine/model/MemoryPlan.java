package dev.glint.engine.model;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.kv.KvLayout;
import dev.glint.engine.kv.KvPool;
import dev.glint.kernels.KvType;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What serving a model costs in memory before it starts: the mapped weights, and a KV pool of {@code poolTokens}
 * positions (whole blocks) of {@code kvType}, shared by every running sequence; {@code contextLength} is the longest
 * one sequence may grow. {@link #check} refuses a plan over {@code limitBytes}.
 */
public record MemoryPlan(long weightBytes, KvType kvType, long kvBytesPerToken, int contextLength, int poolTokens,
                         long limitBytes) {

    /**
     * The plan for {@code config} with {@code weightBytes} mapped; the pool holds {@code poolTokens} positions, or one
     * context when null, as llama-server's unified KV cache does.
     */
    public static MemoryPlan of(Glm4MoeConfig config, long weightBytes, KvType kvType, int contextLength,
                                Integer poolTokens, long limitBytes) {
        return of(config, weightBytes, KvLayout.of(config, kvType), contextLength, poolTokens, limitBytes);
    }

    /** As above, for a pool laid out as {@code kv} (with the MTP layer's keys and values when drafts come from it). */
    public static MemoryPlan of(Glm4MoeConfig config, long weightBytes, KvLayout kv, int contextLength,
                                Integer poolTokens, long limitBytes) {
        if (contextLength < 2 || contextLength > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("the context length " + contextLength + " must be between 2 and the model's "
                    + config.maxPositionEmbeddings() + " positions");
        }
        int pool = poolTokens == null ? contextLength : poolTokens;
        if (pool < contextLength) {
            throw new IllegalArgumentException("a KV pool of " + pool + " tokens cannot hold one sequence of the context "
                    + "length " + contextLength + "; give --kv-pool-tokens at least " + contextLength);
        }
        int wholeBlocks = Math.ceilDiv(pool, KvPool.BLOCK_TOKENS) * KvPool.BLOCK_TOKENS;
        return new MemoryPlan(weightBytes, kv.type(), kv.bytesPerToken(), contextLength, wholeBlocks, limitBytes);
    }

    /**
     * The plan for the checkpoint in {@code modelDir}, from its config and the size of its files, without reading the
     * weights; {@code contextLength} defaults to the model's maximum.
     */
    public static MemoryPlan forCheckpoint(Path modelDir, KvType kvType, Integer contextLength, Integer poolTokens,
                                           long limitBytes) {
        return forCheckpoint(modelDir, kvType, false, contextLength, poolTokens, limitBytes);
    }

    /** As above, the pool holding the MTP layer's keys and values too when {@code withMtp}. */
    public static MemoryPlan forCheckpoint(Path modelDir, KvType kvType, boolean withMtp, Integer contextLength,
                                           Integer poolTokens, long limitBytes) {
        Glm4MoeConfig config = Glm4MoeConfig.load(modelDir);
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            int context = contextLength == null ? config.maxPositionEmbeddings() : contextLength;
            KvLayout kv = KvLayout.of(config, kvType, config.numHiddenLayers() + (withMtp ? 1 : 0));
            return of(config, checkpoint.bytesMapped(), kv, context, poolTokens, limitBytes);
        }
    }

    public long poolBytes() {
        return poolTokens * kvBytesPerToken;
    }

    public long totalBytes() {
        return weightBytes + poolBytes();
    }

    /**
     * Throws, with the numbers and what to change, when weights and pool need more than the limit. The weights are
     * mapped, not allocated: a limit raised past physical memory serves anyway, the part of the weights that does not
     * stay in the page cache read from disk again whenever a token's experts need it.
     */
    public void check() {
        if (totalBytes() > limitBytes) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "weights (%s) and a KV pool of %d tokens (%s, %s) need %s, more than the memory limit of %s; "
                            + "lower --ctx or --kv-pool-tokens, choose a smaller --kv-type, or raise --memory-limit "
                            + "(past physical memory the weights that do not fit are read from disk for every token "
                            + "that needs them: several times slower, even with each layer's chosen experts read "
                            + "together, which --prefetch-experts then does by itself)",
                    size(weightBytes), poolTokens, kvType.name().toLowerCase(Locale.ROOT), size(poolBytes()),
                    size(totalBytes()), size(limitBytes)));
        }
    }

    /** The plan as lines for a terminal. */
    public String describe() {
        return String.format(Locale.ROOT, """
                        weights mapped  %s
                        kv cache        %s per token (%s), context %d tokens per sequence
                        kv pool         %d tokens, %s
                        memory          %s of a %s limit""",
                size(weightBytes), size(kvBytesPerToken), kvType.name().toLowerCase(Locale.ROOT), contextLength,
                poolTokens, size(poolBytes()), size(totalBytes()), size(limitBytes));
    }

    /** Physical memory less what the Java heap and the rest of the system may take: the default limit. */
    public static long defaultLimit() {
        long physical = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return Math.max(0, physical - Runtime.getRuntime().maxMemory() - (1L << 30));
    }

    /** Bytes from {@code 20g}, {@code 512m}, {@code 64k} or a plain number (binary units, case ignored). */
    public static long parseSize(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        s = s.endsWith("ib") ? s.substring(0, s.length() - 2) : s.endsWith("b") ? s.substring(0, s.length() - 1) : s;
        int unit = s.isEmpty() ? -1 : "kmgt".indexOf(s.charAt(s.length() - 1));
        String digits = unit >= 0 ? s.substring(0, s.length() - 1) : s;
        try {
            double value = Double.parseDouble(digits);
            if (value < 0 || Double.isNaN(value)) {
                throw new NumberFormatException();
            }
            return (long) (value * (1L << (10 * (unit + 1))));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write bytes or a number with k, m, g or t, "
                    + "like 20g or 512m");
        }
    }

    /** Bytes in binary units for people: {@code 1.50 GiB}. */
    public static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : bytes >= 1L << 20 ? String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20))
                : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
