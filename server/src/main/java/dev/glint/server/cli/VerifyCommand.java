package dev.glint.server.cli;

import dev.glint.engine.checkpoint.Manifest;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "verify", description = "Checks every file of a checkpoint against the SHA-256 its manifest lists "
        + "(sha256sums, or Hugging Face's file listing with LFS sha256s); names each file that differs and exits 1 then.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ModelFolder model;

    @Option(names = "--manifest", paramLabel = "FILE", description = "The manifest (default: sha256sums in the model folder): "
            + "'SHA256  FILE' lines, or the JSON of https://huggingface.co/api/models/ORG/NAME/tree/main saved beforehand.")
    Path manifest;

    @Override
    public Integer call() throws IOException {
        Path listing = manifest != null ? manifest : model.directory.resolve(Manifest.FILE_NAME);
        Manifest expected = Manifest.read(listing);
        long total = expected.totalBytes(model.directory);
        List<Manifest.Mismatch> differ;
        if (System.console() != null && System.console().isTerminal()) {
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("sha256").setInitialMax(total).setUnit(" MB", 1_000_000)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().build()) {
                differ = expected.verify(model.directory, bar::stepBy);
            }
        } else {
            differ = expected.verify(model.directory, bytes -> { });
        }
        for (Manifest.Mismatch mismatch : differ) {
            System.out.println(mismatch.actual() == null ? "MISSING  " + mismatch.file()
                    : "DIFFERS  " + mismatch.file() + " (sha256 " + mismatch.actual() + ", the manifest says " + mismatch.expected() + ")");
        }
        int files = expected.sha256().size();
        System.out.printf("%d of %d files (%.1f MB) match %s%n", files - differ.size(), files, total / 1e6, listing);
        return differ.isEmpty() ? 0 : 1;
    }
}
