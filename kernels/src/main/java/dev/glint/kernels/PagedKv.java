package dev.glint.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Where the cached rows of one KV head of one sequence lie: position {@code p}'s key row is at byte
 * {@link #rowOffset}{@code (p) = blockOffsets[p / blockTokens] + (p % blockTokens) · tokenStride} of {@code keys}, its
 * value row at the same offset of {@code values} (which may be the same segment). Each row is {@code headDim} values
 * of {@code type}. The offsets already include whatever layer and head the caller means.
 */
public record PagedKv(KvType type, int headDim, MemorySegment keys, MemorySegment values, long[] blockOffsets,
                      int blockTokens, long tokenStride) {
    public PagedKv {
        if (headDim < 1 || blockTokens < 1) {
            throw new IllegalArgumentException("a paged KV view needs headDim and blockTokens of at least 1, not "
                    + headDim + " and " + blockTokens);
        }
        if (tokenStride < type.rowBytes(headDim)) {
            throw new IllegalArgumentException("token stride " + tokenStride + " is shorter than one " + type + " row of "
                    + headDim + " values (" + type.rowBytes(headDim) + " bytes)");
        }
    }

    /** Positions the block table covers. */
    public long capacity() {
        return (long) blockOffsets.length * blockTokens;
    }

    public long rowOffset(int position) {
        return blockOffsets[position / blockTokens] + (long) (position % blockTokens) * tokenStride;
    }
}
