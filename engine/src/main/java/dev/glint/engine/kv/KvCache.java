package dev.glint.engine.kv;

import dev.glint.engine.model.Glm4MoeConfig;
import dev.glint.kernels.KvType;
import dev.glint.kernels.PagedKv;

import java.util.Arrays;
import java.util.List;

/**
 * One sequence's keys (after RoPE) and values: a block table into a {@link KvPool}, grown a block at a time as the
 * sequence does, and the token ids it holds. Each block it fills joins the pool's prefix cache; a new sequence can
 * start from the cached blocks of its prompt's longest prefix. Closing gives the blocks back.
 */
public final class KvCache implements AutoCloseable {
    private final KvPool pool;
    private final boolean ownsPool;
    private final int capacity;
    private int[] blocks = new int[4];
    private int blockCount;
    private int[] tokens = new int[64];
    private int length;
    /** The block the prefix cache holds for this sequence's indexed blocks so far, and that block's generation. */
    private int chainBlock = KvPool.NO_BLOCK;
    private int chainGeneration;
    private int indexedBlocks;
    private boolean chainBroken;

    /** A sequence of at most {@code capacity} positions in {@code pool}. */
    public KvCache(KvPool pool, int capacity) {
        this(pool, capacity, false);
    }

    /** A sequence in a pool of its own, exactly as large as it may grow. */
    public KvCache(Glm4MoeConfig config, KvType type, int capacity) {
        this(KvLayout.of(config, type), capacity);
    }

    /** A sequence in a pool of its own laid out as {@code layout}, exactly as large as it may grow. */
    public KvCache(KvLayout layout, int capacity) {
        this(new KvPool(layout, checkedCapacity(capacity)), capacity, true);
    }

    private KvCache(KvPool pool, int capacity, boolean ownsPool) {
        this.pool = pool;
        this.capacity = checkedCapacity(capacity);
        this.ownsPool = ownsPool;
    }

    private static int checkedCapacity(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("a KV cache needs room for at least one position, got " + capacity);
        }
        return capacity;
    }

    public int length() {
        return length;
    }

    /** How the pool lays out a position's keys and values. */
    public KvLayout layout() {
        return pool.layout();
    }

    /** Byte offset of each held block in the pool's per-layer segments, in position order. */
    public long[] blockOffsets() {
        long[] offsets = new long[blockCount];
        for (int b = 0; b < blockCount; b++) {
            offsets[b] = pool.blockOffset(blocks[b]);
        }
        return offsets;
    }

    /**
     * Starts an empty sequence from the pool's cached blocks of the longest whole-block prefix of {@code prompt},
     * leaving at least {@code recompute} tokens to run (a model needs the last prompt token's logits). Returns the
     * number of positions reused.
     */
    public int reusePrefix(int[] prompt, int recompute) {
        if (length != 0) {
            throw new IllegalStateException("a prefix can only start an empty sequence, this one holds " + length);
        }
        int usable = Math.max(0, Math.min(prompt.length - recompute, capacity));
        List<Integer> cached = pool.acquirePrefix(prompt, usable / KvPool.BLOCK_TOKENS);
        for (int block : cached) {
            append(block);
        }
        record(prompt, 0, cached.size() * KvPool.BLOCK_TOKENS);
        length = cached.size() * KvPool.BLOCK_TOKENS;
        indexedBlocks = cached.size();
        if (!cached.isEmpty()) {
            chainBlock = cached.getLast();
            chainGeneration = pool.generation(chainBlock);
        }
        return length;
    }

    /**
     * Takes the blocks that {@code count} more positions need; false, with nothing more taken than fits, when the pool
     * has no block left for them.
     */
    public boolean tryReserve(int count) {
        if ((long) length + count > capacity) {
            throw new IllegalStateException("the sequence would reach " + ((long) length + count)
                    + " tokens, more than the context of " + capacity + " tokens");
        }
        while ((long) blockCount * KvPool.BLOCK_TOKENS < length + count) {
            int block = pool.allocate();
            if (!KvPool.isBlock(block)) {
                return false;
            }
            append(block);
        }
        return true;
    }

    /** Checks that {@code count} more positions fit and takes their blocks, before any of them is computed. */
    public void reserve(int count) {
        if (!tryReserve(count)) {
            throw new IllegalStateException("the KV pool of " + pool.capacityTokens() + " tokens has no free block for "
                    + count + " more positions of this sequence");
        }
    }

    /**
     * Forgets the positions from {@code newLength} on, as llama.cpp's {@code llama_memory_seq_rm} does for a
     * sequence's tail, and gives back the blocks no longer needed. Positions in blocks the prefix cache indexed stay:
     * other sequences may share those blocks.
     */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a sequence of " + length + " positions to " + newLength);
        }
        if (newLength < indexedBlocks * KvPool.BLOCK_TOKENS) {
            throw new IllegalStateException("positions below " + indexedBlocks * KvPool.BLOCK_TOKENS
                    + " lie in blocks of the prefix cache; cannot truncate to " + newLength);
        }
        int kept = Math.ceilDiv(newLength, KvPool.BLOCK_TOKENS);
        for (int b = kept; b < blockCount; b++) {
            pool.release(blocks[b]);
        }
        blockCount = Math.min(blockCount, kept);
        length = newLength;
    }

    /**
     * Stores position {@code position}'s keys and values of layer {@code layer} ({@code kvHeads · headDim} floats
     * each, from {@code kOff} and {@code vOff}) in the block {@link #reserve} took for it.
     */
    public void store(int layer, int position, float[] k, int kOff, float[] v, int vOff) {
        pool.store(layer, blocks[position / KvPool.BLOCK_TOKENS], position % KvPool.BLOCK_TOKENS, k, kOff, v, vOff);
    }

    /** Where head {@code head}'s rows of layer {@code layer} lie, given this step's {@link #blockOffsets}. */
    PagedKv rows(int layer, int head, long[] blockOffsets) {
        KvLayout layout = pool.layout();
        long headAt = head * layout.headRowBytes();
        return new PagedKv(layout.type(), layout.headDim(), pool.keys(layer).asSlice(headAt),
                pool.values(layer).asSlice(headAt), blockOffsets, KvPool.BLOCK_TOKENS, layout.tokenStride());
    }

    /** Counts {@code fed}'s tokens as held, their keys and values stored; each block they fill joins the prefix cache. */
    public void advance(int[] fed) {
        record(fed, 0, fed.length);
        length += fed.length;
        for (int full = length / KvPool.BLOCK_TOKENS; indexedBlocks < full && !chainBroken; indexedBlocks++) {
            int canonical = pool.index(blocks[indexedBlocks], chainBlock, chainGeneration, tokens,
                    indexedBlocks * KvPool.BLOCK_TOKENS);
            chainBroken = !KvPool.isBlock(canonical);
            chainBlock = canonical;
            chainGeneration = chainBroken ? 0 : pool.generation(canonical);
        }
    }

    /**
     * Counts {@code count} more positions as held whose keys and values were stored without tokens behind them, such
     * as a benchmark's synthetic rows: with no token ids for a later prompt to match, neither their blocks nor any
     * after them join the prefix cache.
     */
    public void advanceWithoutTokens(int count) {
        chainBroken = true;
        record(new int[count], 0, count);
        length += count;
    }

    private void record(int[] source, int from, int count) {
        if (length + count > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(2 * tokens.length, length + count));
        }
        System.arraycopy(source, from, tokens, length, count);
    }

    private void append(int block) {
        if (blockCount == blocks.length) {
            blocks = Arrays.copyOf(blocks, 2 * blocks.length);
        }
        blocks[blockCount++] = block;
    }

    /** Gives this sequence's blocks back to the pool; the cached ones stay findable until evicted. */
    @Override
    public void close() {
        for (int b = 0; b < blockCount; b++) {
            pool.release(blocks[b]);
        }
        blockCount = 0;
        length = 0;
        if (ownsPool) {
            pool.close();
        }
    }
}
