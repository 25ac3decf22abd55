package dev.glint.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.text.chat.ChatTemplate;
import dev.glint.engine.text.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** The text side of a model folder, from the command line: tokenize, detokenize, render a chat request. */
final class TextCommands {
    private TextCommands() {
    }

    static String json(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    @Command(name = "tokenize", description = "Prints the token ids of a text as a JSON array.")
    static final class Tokenize implements Callable<Integer> {
        @Mixin
        ModelFolder model;

        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text; special tokens in it are recognised.")
        String text;

        @Override
        public Integer call() throws IOException {
            System.out.println(json(Tokenizer.load(model.directory).encode(text)));
            return 0;
        }
    }

    @Command(name = "detokenize", description = "Prints the text of token ids.")
    static final class Detokenize implements Callable<Integer> {
        @Mixin
        ModelFolder model;

        @Option(names = "--ids", required = true, paramLabel = "JSON", description = "A JSON array of token ids.")
        String ids;

        @Option(names = "--skip-special", description = "Leave out special tokens such as <|user|>.")
        boolean skipSpecial;

        @Override
        public Integer call() throws IOException {
            JsonNode array = new ObjectMapper().readTree(ids);
            if (array == null || !array.isArray()) {
                throw new IllegalArgumentException("--ids must be a JSON array of token ids, got " + ids);
            }
            int[] tokens = new int[array.size()];
            for (int i = 0; i < tokens.length; i++) {
                if (!array.get(i).isIntegralNumber()) {
                    throw new IllegalArgumentException("--ids element " + i + " is " + array.get(i) + ", not a token id");
                }
                tokens[i] = array.get(i).intValue();
            }
            System.out.print(Tokenizer.load(model.directory).decode(tokens, skipSpecial));
            System.out.println();
            return 0;
        }
    }

    @Command(name = "render", description = "Prints the prompt an OpenAI chat request renders to with the model's chat template.")
    static final class Render implements Callable<Integer> {
        @Mixin
        ModelFolder model;

        @Option(names = "--request", required = true, paramLabel = "FILE.json", description = "An OpenAI chat completion request.")
        Path request;

        @Override
        public Integer call() throws IOException {
            JsonNode body = new ObjectMapper().readTree(request.toFile());
            System.out.print(ChatTemplate.load(model.directory).apply(body).text());
            return 0;
        }
    }
}
