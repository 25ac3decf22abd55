package dev.glint.engine.kv;

import dev.glint.engine.model.Glm4MoeConfig;
import dev.glint.kernels.KvType;

/**
 * How one position's keys (or values) of one layer lie in the KV pool: {@code kvHeads} head rows of
 * {@code headDim} values encoded as {@code type}, one after the other, {@link #tokenStride} bytes in all.
 */
public record KvLayout(KvType type, int layers, int kvHeads, int headDim) {

    /** The main model's layers. */
    public static KvLayout of(Glm4MoeConfig config, KvType type) {
        return of(config, type, config.numHiddenLayers());
    }

    /**
     * {@code layers} layers of {@code config}'s attention shape: the main model's, or those and the multi-token-prediction
     * layer after them when drafts come from it.
     */
    public static KvLayout of(Glm4MoeConfig config, KvType type, int layers) {
        return new KvLayout(type, layers, config.numKeyValueHeads(), config.headDim());
    }

    public long headRowBytes() {
        return type.rowBytes(headDim);
    }

    public long tokenStride() {
        return kvHeads * headRowBytes();
    }

    /** Bytes one position takes in the whole model: keys and values of every layer. */
    public long bytesPerToken() {
        return 2L * layers * tokenStride();
    }
}
