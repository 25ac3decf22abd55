package dev.glint.engine.kv;

import dev.glint.engine.model.Glm4MoeConfig;
import dev.glint.kernels.KvType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The KV memory every sequence draws from: off-heap, in blocks of {@link #BLOCK_TOKENS} positions. A block id
 * names the same positions in every layer, so one block table per sequence serves the whole model: layer {@code l}'s
 * key row of position {@code i} of block {@code b} starts at byte {@link #blockOffset}{@code (b) + i · tokenStride}
 * of {@link #keys}{@code (l)}, its value row at the same offset of {@link #values}{@code (l)}.
 *
 * <p>Full blocks are also a prefix cache: indexed by a hash chain of their token ids (the previous block's hash and
 * this block's tokens), reference counted, and when nobody holds them kept until the pool needs room, least recently
 * released first. A hit is verified token by token and parent by parent, so a hash collision cannot hand out
 * another prefix's keys.
 */
public final class KvPool implements AutoCloseable {
    public static final int BLOCK_TOKENS = 16;
    static final int NO_BLOCK = -1;
    private static final long CHAIN_SEED = 0x6A09E667F3BCC908L;

    private final Arena arena = Arena.ofShared();
    private final KvLayout layout;
    private final MemorySegment[] keys;
    private final MemorySegment[] values;
    private final int blocks;
    private final int[] references;
    private final int[] freeBlocks;
    private int freeCount;
    /** Unreferenced blocks still in the index, least recently released first: the ones to evict. */
    private final LinkedHashSet<Integer> idle = new LinkedHashSet<>();
    private final Map<Long, Integer> byHash = new HashMap<>();
    private final long[] hashOf;
    private final boolean[] indexed;
    private final int[] tokensOf;
    private final int[] parentOf;
    private final int[] parentGeneration;
    /** Bumped when a block leaves the index, so children indexed under its old content no longer verify. */
    private final int[] generation;

    /** A pool of at least {@code tokens} positions (rounded up to whole blocks) of {@code config}'s layers. */
    public KvPool(Glm4MoeConfig config, KvType type, int tokens) {
        this(KvLayout.of(config, type), tokens);
    }

    /** A pool of at least {@code tokens} positions (rounded up to whole blocks) laid out as {@code layout}. */
    public KvPool(KvLayout layout, int tokens) {
        if (tokens < 1) {
            throw new IllegalArgumentException("a KV pool needs room for at least one token, got " + tokens);
        }
        this.layout = layout;
        this.blocks = Math.ceilDiv(tokens, BLOCK_TOKENS);
        int layers = layout.layers();
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        long layerBytes = (long) blocks * BLOCK_TOKENS * layout.tokenStride();
        MemorySegment all;
        try {
            all = arena.allocate(2 * layers * layerBytes, 64);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new IllegalStateException("no memory for a KV pool of " + blocks * BLOCK_TOKENS + " tokens ("
                    + 2 * layers * layerBytes + " bytes): " + e.getMessage(), e);
        }
        for (int l = 0; l < layers; l++) {
            keys[l] = all.asSlice(2 * l * layerBytes, layerBytes);
            values[l] = all.asSlice((2L * l + 1) * layerBytes, layerBytes);
        }
        references = new int[blocks];
        freeBlocks = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            freeBlocks[b] = blocks - 1 - b;
        }
        freeCount = blocks;
        hashOf = new long[blocks];
        indexed = new boolean[blocks];
        tokensOf = new int[blocks * BLOCK_TOKENS];
        parentOf = new int[blocks];
        parentGeneration = new int[blocks];
        generation = new int[blocks];
    }

    public KvLayout layout() {
        return layout;
    }

    /** Positions the pool holds. */
    public int capacityTokens() {
        return blocks * BLOCK_TOKENS;
    }

    public long bytes() {
        return (long) blocks * blockBytes();
    }

    /** Bytes of one block across all layers, keys and values. */
    public long blockBytes() {
        return (long) BLOCK_TOKENS * layout.bytesPerToken();
    }

    public MemorySegment keys(int layer) {
        return keys[layer];
    }

    public MemorySegment values(int layer) {
        return values[layer];
    }

    public long blockOffset(int block) {
        return (long) block * BLOCK_TOKENS * layout.tokenStride();
    }

    /** Blocks a sequence could get now: free ones and cached ones nobody holds. */
    public int availableBlocks() {
        return freeCount + idle.size();
    }

    /** Blocks some sequence holds. */
    public int blocksInUse() {
        return blocks - availableBlocks();
    }

    /** Encodes one position's key and value heads ({@code kvHeads · headDim} floats each) into its block. */
    void store(int layer, int block, int slot, float[] k, int kOff, float[] v, int vOff) {
        long at = blockOffset(block) + slot * layout.tokenStride();
        int headDim = layout.headDim();
        for (int head = 0; head < layout.kvHeads(); head++) {
            long row = at + head * layout.headRowBytes();
            layout.type().store(k, kOff + head * headDim, headDim, keys[layer], row);
            layout.type().store(v, vOff + head * headDim, headDim, values[layer], row);
        }
    }

    /** A block for one holder, or {@link #NO_BLOCK} when every block is held; evicts the oldest idle cached block. */
    int allocate() {
        int block;
        if (freeCount > 0) {
            block = freeBlocks[--freeCount];
        } else if (!idle.isEmpty()) {
            block = idle.removeFirst();
            unindex(block);
        } else {
            return NO_BLOCK;
        }
        references[block] = 1;
        return block;
    }

    static boolean isBlock(int block) {
        return block != NO_BLOCK;
    }

    /** One more holder of a cached block. */
    void acquire(int block) {
        if (references[block]++ == 0) {
            idle.remove(block);
        }
    }

    void release(int block) {
        if (--references[block] > 0) {
            return;
        }
        if (indexed[block]) {
            idle.addLast(block);
        } else {
            freeBlocks[freeCount++] = block;
        }
    }

    /**
     * Indexes a block just filled with the {@code BLOCK_TOKENS} tokens from {@code tokens[from]}, following
     * {@code parent}, the indexed block of the prefix before it ({@link #NO_BLOCK} for a first block). Returns the
     * block now indexed for this prefix: {@code block}, or the one indexed before when two sequences computed the
     * same prefix; {@link #NO_BLOCK} when the parent left the index since {@code parentGeneration}, which ends the
     * chain.
     */
    int index(int block, int parent, int parentGeneration, int[] tokens, int from) {
        if (isBlock(parent) && !(indexed[parent] && generation[parent] == parentGeneration)) {
            return NO_BLOCK;
        }
        long hash = chain(isBlock(parent) ? hashOf[parent] : CHAIN_SEED, tokens, from);
        Integer existing = byHash.get(hash);
        if (existing != null) {
            return holds(existing, parent, tokens, from) ? existing : NO_BLOCK;
        }
        byHash.put(hash, block);
        hashOf[block] = hash;
        indexed[block] = true;
        System.arraycopy(tokens, from, tokensOf, block * BLOCK_TOKENS, BLOCK_TOKENS);
        parentOf[block] = parent;
        this.parentGeneration[block] = parentGeneration;
        return block;
    }

    /**
     * The cached blocks holding the longest prefix of {@code tokens} in whole blocks, at most {@code maxBlocks} of
     * them, each verified against the tokens and its parent; the caller becomes a holder of each.
     */
    List<Integer> acquirePrefix(int[] tokens, int maxBlocks) {
        List<Integer> found = new ArrayList<>();
        int parent = NO_BLOCK;
        long hash = CHAIN_SEED;
        for (int b = 0; b < maxBlocks; b++) {
            hash = chain(hash, tokens, b * BLOCK_TOKENS);
            Integer block = byHash.get(hash);
            if (block == null || !holds(block, parent, tokens, b * BLOCK_TOKENS)) {
                break;
            }
            acquire(block);
            found.add(block);
            parent = block;
        }
        return found;
    }

    /** Counts how often {@code block} left the index; a holder of an indexed block compares it to see it is the same. */
    int generation(int block) {
        return generation[block];
    }

    private boolean holds(int block, int parent, int[] tokens, int from) {
        int at = block * BLOCK_TOKENS;
        return Arrays.equals(tokensOf, at, at + BLOCK_TOKENS, tokens, from, from + BLOCK_TOKENS)
                && parentOf[block] == parent
                && (!isBlock(parent) || parentGeneration[block] == generation[parent]);
    }

    private void unindex(int block) {
        byHash.remove(hashOf[block]);
        indexed[block] = false;
        generation[block]++;
    }

    private static long chain(long previous, int[] tokens, int from) {
        long h = previous;
        for (int i = from; i < from + BLOCK_TOKENS; i++) {
            h = (h ^ tokens[i]) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 31;
        }
        return h;
    }

    @Override
    public void close() {
        arena.close();
    }
}
