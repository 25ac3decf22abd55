package dev.glint.engine.model;

/**
 * How one position's keys (or values) of one layer lie in the KV pool: {@code kvHeads} head rows of
 * {@code headDim} F32 values, one after the other, {@code tokenStride} bytes in all.
 */
public record KvLayout(int layers, int kvHeads, int headDim, long headRowBytes) {

    public static KvLayout of(Glm4MoeConfig config) {
        return new KvLayout(config.numHiddenLayers(), config.numKeyValueHeads(), config.headDim(), 4L * config.headDim());
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public long tokenStride() {
        return kvHeads * headRowBytes;
    }

    /** Bytes one position takes in the whole model: keys and values of every layer. */
    public long bytesPerToken() {
        return 2L * layers * tokenStride();
    }
}
