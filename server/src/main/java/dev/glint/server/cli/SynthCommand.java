package dev.glint.server.cli;

import dev.glint.engine.model.MemoryPlan;
import dev.glint.engine.model.SyntheticCheckpoint;
import dev.glint.engine.quant.GlintCheckpoint;
import dev.glint.engine.quant.QuantFormat;
import dev.glint.engine.quant.QuantizationPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "synth", description = "Writes a deterministic random checkpoint of any glm4_moe shape, for benchmarks.")
final class SynthCommand implements Callable<Integer> {
    private static final String BF16 = "bf16";

    @Option(names = "--config", required = true, paramLabel = "FILE.json", description = "A glm4_moe config.json.")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write the model to.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the random weights (default ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = {"--format", "--dtype"}, paramLabel = "FORMAT", description = "bf16 (default), or fp8, q8 or q4: "
            + "the BF16 weights quantized as they are generated, as glint quantize --format would quantize them.")
    String format = BF16;

    @Mixin
    CheckpointWriteOptions writing;

    @Override
    public Integer call() throws IOException {
        QuantizationPlan plan = format.equalsIgnoreCase(BF16) ? QuantizationPlan.NONE
                : QuantizationPlan.defaults(QuantFormat.parse(format, "--format"));
        GlintCheckpoint.Written written = SyntheticCheckpoint.write(config, out, seed, plan, writing.shardBytes(),
                writing.threads(), QuantizationProgressBar.quantizing(plan));
        long shards = written.files().stream().filter(name -> name.endsWith(".safetensors")).count();
        String held = plan.isEmpty() ? ""
                : "; at most " + MemoryPlan.size(written.peakHeldBytes()) + " of quantized weights held at once";
        System.err.printf("glint synth: wrote %s (%s): %.3f GB of tensors in %d safetensors file(s)%s%n", out,
                plan.isEmpty() ? BF16 : plan.describe(), written.tensorBytes() / 1e9, shards, held);
        return 0;
    }
}
