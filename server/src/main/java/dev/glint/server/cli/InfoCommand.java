package dev.glint.server.cli;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.model.Footprint;
import dev.glint.engine.model.Glm4MoeConfig;
import dev.glint.engine.model.MemoryPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "info", description = "Architecture, parameters, dtypes, mapped bytes and the memory a context needs.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelFolder model;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length for the memory plan (default: the model's maximum).")
    Integer ctx;

    @Mixin
    KvOptions kv;

    @Override
    public Integer call() {
        Glm4MoeConfig c = Glm4MoeConfig.load(model.directory);
        Footprint f = Footprint.of(c);
        int context = ctx == null ? c.maxPositionEmbeddings() : ctx;
        try (Checkpoint checkpoint = Checkpoint.open(model.directory)) {
            System.out.printf("model           %s%n", model.directory);
            System.out.printf("architecture    Glm4MoeForCausalLM (glm4_moe): %d layers (%d dense), hidden %d, vocab %d%n",
                    c.numHiddenLayers(), Math.min(c.firstKDenseReplace(), c.numHiddenLayers()), c.hiddenSize(), c.vocabSize());
            System.out.printf("attention       %d heads, %d kv heads, head_dim %d, rotary dim %d, qk-norm %s, bias %s%n",
                    c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.rotaryDim(), c.useQkNorm(), c.attentionBias());
            System.out.printf("experts         %d routed (top %d) + %d shared, ff %d, scale %s%n",
                    c.nRoutedExperts(), c.numExpertsPerTok(), c.nSharedExperts(), c.moeIntermediateSize(), c.routedScalingFactor());
            System.out.printf("parameters      %s total, %s active per token%n", count(f.totalParameters()), count(f.activeParameters()));
            System.out.printf("mapped          %s in %d file(s)%n", MemoryPlan.size(checkpoint.bytesMapped()), checkpoint.files().size());
            checkpoint.bytesByDType().forEach((type, n) -> System.out.printf("  %-13s %s%n", type, MemoryPlan.size(n)));
            MemoryPlan plan = MemoryPlan.of(c, checkpoint.bytesMapped(), kv.type(), context, kv.poolTokens, kv.limit());
            System.out.println(plan.describe());
            if (plan.totalBytes() > plan.limitBytes()) {
                System.out.println("glint serve would refuse this plan: it exceeds the memory limit");
            }
        }
        return 0;
    }

    static String count(long n) {
        return n >= 1e9 ? String.format("%.2f B", n / 1e9) : n >= 1e6 ? String.format("%.2f M", n / 1e6) : Long.toString(n);
    }

}
