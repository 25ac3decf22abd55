package dev.glint.server.cli;

import dev.glint.engine.model.MemoryPlan;
import dev.glint.kernels.KvType;
import picocli.CommandLine.Option;

/** The KV cache and memory options that serve and info share: what the memory plan is made of. */
final class KvOptions {
    @Option(names = "--kv-type", paramLabel = "TYPE", description = "KV cache element type: f32, bf16, fp8 or q8_0 (default ${DEFAULT-VALUE}).")
    String kvType = "f32";

    @Option(names = "--kv-pool-tokens", paramLabel = "N", description = "Tokens of KV cache shared by all running sequences (default: --ctx).")
    Integer poolTokens;

    @Option(names = "--memory-limit", paramLabel = "SIZE", description = "Most that weights and KV pool may take, e.g. 20g or 512m "
            + "(default: physical memory less the heap and 1 GiB).")
    String memoryLimit;

    KvType type() {
        return KvType.named(kvType);
    }

    long limit() {
        return memoryLimit == null ? MemoryPlan.defaultLimit() : MemoryPlan.parseSize(memoryLimit);
    }
}
