package dev.glint.server.cli;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.model.MemoryPlan;
import dev.glint.engine.quant.GlintCheckpoint;
import dev.glint.engine.quant.QuantFormat;
import dev.glint.engine.quant.QuantizationPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "quantize", description = "Writes a quantized copy of a BF16/F16/F32 checkpoint that later loads by mmap with no repacking.")
final class QuantizeCommand implements Callable<Integer> {
    @Mixin
    ModelFolder model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder for the quantized checkpoint.")
    Path out;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "fp8, q8 or q4.")
    String format;

    @Option(names = "--quantize-tensors", paramLabel = "KINDS", description = QuantizeOptions.TENSORS_HELP)
    String tensors;

    @Mixin
    CheckpointWriteOptions writing;

    @Override
    public Integer call() throws IOException {
        QuantizationPlan plan = QuantizationPlan.parse(QuantFormat.parse(format, "--format"), tensors);
        long inBytes;
        try (Checkpoint in = Checkpoint.open(model.directory)) {
            inBytes = in.bytesMapped();
        }
        GlintCheckpoint.Written written = GlintCheckpoint.write(model.directory, out, plan, writing.shardBytes(),
                writing.threads(), QuantizationProgressBar.quantizing(plan));
        long shards = written.files().stream().filter(name -> name.endsWith(".safetensors")).count();
        System.err.printf("glint quantize: wrote %s (%s): %.3f GB of tensors from %.3f GB in %d safetensors file(s);"
                        + " at most %s of quantized weights held at once%n", out, plan.describe(),
                written.tensorBytes() / 1e9, inBytes / 1e9, shards, MemoryPlan.size(written.peakHeldBytes()));
        return 0;
    }
}
