package dev.glint.server.cli;

import dev.glint.engine.kv.KvCache;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.kernels.MatrixProducts.Activations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;

@Command(name = "logits", description = "Writes the logits of every position as float32 little-endian [positions][vocab].")
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--tokens", required = true, paramLabel = "FILE.json", description = "JSON array of token ids.")
    Path tokens;

    @Option(names = "--out", required = true, paramLabel = "FILE.f32", description = "Output file.")
    Path out;

    @Option(names = "--incremental", description = "Feed tokens one at a time through the KV cache instead of one batch.")
    boolean incremental;

    @Override
    public Integer call() throws IOException {
        int[] ids = TokenFiles.read(tokens);
        try (Glm4Moe glm = model.load(Activations.FLOAT); KvCache cache = glm.newCache(ids.length);
             FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            if (incremental) {
                for (int id : ids) {
                    write(channel, glm.forward(new int[]{id}, cache, false));
                }
            } else {
                write(channel, glm.forward(ids, cache, true));
            }
        }
        return 0;
    }

    private static void write(FileChannel channel, float[] logits) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(4 * logits.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(logits);
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }
}
