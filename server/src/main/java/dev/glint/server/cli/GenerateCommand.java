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

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.text.chat.ChatTemplate;
import dev.glint.engine.text.tokenizer.StreamingDecoder;
import dev.glint.engine.text.tokenizer.Tokenizer;
import dev.glint.kernels.MatrixProducts.Activations;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "generate", description = "Continues a prompt: token ids in, ids out; or a user message in, the answer out.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @ArgGroup(multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(names = "--tokens", paramLabel = "FILE.json", description = "The prompt as a JSON array of token ids.")
        Path tokens;

        @Option(names = "--prompt", paramLabel = "TEXT",
                description = "A user message, rendered with the model's chat template; prints the answer as text.")
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
        if (maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxTokens);
        }
        Sampler sampler = new Sampler(new SamplingParams(temperature, topK, topP, minP, seed));
        try (Glm4Moe glm = model.load(Activations.INT8)) {
            Set<Integer> stops = new HashSet<>(GenerationConfig.load(model.directory(), glm.config()).eosTokenIds());
            if (prompt.tokens != null) {
                int[] generated = new Generator(glm, definedTokens(glm))
                        .generate(TokenFiles.read(prompt.tokens), maxTokens, sampler, stops, id -> { });
                System.out.println(TextCommands.json(generated));
                return 0;
            }
            Tokenizer tokenizer = Tokenizer.load(model.directory());
            Generator generator = new Generator(glm, tokenizer.vocabSize());
            ObjectNode request = new ObjectMapper().createObjectNode();
            request.putArray("messages").addObject().put("role", "user").put("content", prompt.text);
            int[] ids = tokenizer.encode(ChatTemplate.load(model.directory()).apply(request).text());
            StreamingDecoder decoder = tokenizer.streamingDecoder(false);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            generator.generate(ids, maxTokens, sampler, stops, id -> {
                if (!stops.contains(id)) {
                    out.print(decoder.next(id));
                }
            });
            out.println(decoder.flush());
        }
        return 0;
    }

    /** The ids the model's tokenizer defines: all of the vocabulary in a folder without one, as glint synth writes. */
    private int definedTokens(Glm4Moe glm) throws IOException {
        boolean hasTokenizer = Files.isRegularFile(model.directory().resolve("tokenizer.json"));
        return hasTokenizer ? Tokenizer.load(model.directory()).vocabSize() : glm.config().vocabSize();
    }
}
