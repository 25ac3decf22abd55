package dev.glint.server.cli;

import dev.glint.engine.model.MemoryPlan;
import dev.glint.engine.quant.GlintCheckpoint;
import picocli.CommandLine.Option;

/** {@code --shard-size} and {@code --threads}, shared by the commands that write a checkpoint. */
final class CheckpointWriteOptions {
    @Option(names = "--shard-size", paramLabel = "SIZE", description = "Largest shard, in bytes of tensors, with k, m "
            + "or g (default: 5g, as Hugging Face); a checkpoint that fits in one is written as model.safetensors.")
    String shardSize;

    @Option(names = "--threads", paramLabel = "N", description = "Threads quantizing (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    long shardBytes() {
        long bytes = shardSize == null ? GlintCheckpoint.DEFAULT_SHARD_BYTES : MemoryPlan.parseSize(shardSize);
        if (bytes < 1) {
            throw new IllegalArgumentException("--shard-size must be at least one byte, got " + shardSize);
        }
        return bytes;
    }

    int threads() {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        return threads;
    }
}
