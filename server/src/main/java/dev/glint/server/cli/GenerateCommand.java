package dev.glint.server.cli;

import dev.glint.engine.generate.Generator;
import dev.glint.engine.model.GenerationConfig;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.sampling.Sampler;
import dev.glint.engine.sampling.SamplingParams;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "generate", description = "Continues a prompt and prints the generated token ids as a JSON array.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @ArgGroup(multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(names = "--tokens", paramLabel = "FILE.json", description = "The prompt as a JSON array of token ids.")
        Path tokens;

        @Option(names = "--prompt", paramLabel = "TEXT", description = "The prompt as text (needs the model's tokenizer).")
        String text;
    }

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxTokens = 256;

    @Option(names = "--temperature", paramLabel = "T", description = "0 is greedy (default ${DEFAULT-VALUE}).")
    double temperature = 0;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens; 0 is off.")
    int topK = 0;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling mass; 1 is off.")
    double topP = 1;

    @Option(names = "--min-p", paramLabel = "P", description = "Drop tokens below P times the top probability; 0 is off.")
    double minP = 0;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed = 0;

    @Override
    public Integer call() throws IOException {
        if (prompt.text != null) {
            throw new IllegalArgumentException("--prompt needs the tokenizer, which this build does not have yet; pass --tokens FILE.json");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxTokens);
        }
        int[] ids = TokenFiles.read(prompt.tokens);
        Sampler sampler = new Sampler(new SamplingParams(temperature, topK, topP, minP, seed));
        try (Glm4Moe glm = model.load()) {
            var stops = new HashSet<>(GenerationConfig.load(model.model, glm.config()).eosTokenIds());
            int[] generated = new Generator(glm).generate(ids, maxTokens, sampler, stops, id -> { });
            System.out.println(Arrays.stream(generated).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
        }
        return 0;
    }
}
