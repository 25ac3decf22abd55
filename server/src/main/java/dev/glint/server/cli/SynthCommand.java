package dev.glint.server.cli;

import dev.glint.engine.model.SyntheticCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "synth", description = "Writes a deterministic random checkpoint of any glm4_moe shape, for benchmarks.")
final class SynthCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE.json", description = "A glm4_moe config.json.")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write the model to.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the random weights (default ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "Weight type; bf16 is the only one so far.")
    String dtype = "bf16";

    @Override
    public Integer call() {
        if (!dtype.equalsIgnoreCase("bf16")) {
            throw new IllegalArgumentException("--dtype " + dtype + " is not supported; synth writes bf16");
        }
        SyntheticCheckpoint.write(config, out, seed);
        System.err.println("glint synth: wrote " + out);
        return 0;
    }
}
