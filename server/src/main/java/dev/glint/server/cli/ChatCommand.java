package dev.glint.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.generate.Generator;
import dev.glint.engine.model.GenerationConfig;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.sampling.Sampler;
import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.text.chat.ChatPrompt;
import dev.glint.engine.text.chat.ChatTemplate;
import dev.glint.engine.text.output.GlmOutputParser;
import dev.glint.engine.text.output.OutputEvent;
import dev.glint.engine.text.tokenizer.StreamingDecoder;
import dev.glint.engine.text.tokenizer.Tokenizer;
import dev.glint.kernels.MatrixProducts.Activations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** An interactive terminal chat: reasoning shown dimmed, tool calls as JSON, the conversation kept across turns. */
@Command(name = "chat", description = "Chats with the model in the terminal (/exit or end of input to quit).")
final class ChatCommand implements Callable<Integer> {
    private static final String DIM = "\u001B[2m";
    private static final String RESET = "\u001B[0m";

    @Mixin
    ModelOptions model;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system prompt.")
    String system;

    @Option(names = "--no-think", description = "Answer without a reasoning block (enable_thinking=false).")
    boolean noThink;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens per answer (default ${DEFAULT-VALUE}).")
    int maxTokens = 512;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature, 0 is greedy (default ${DEFAULT-VALUE}).")
    double temperature = 0;

    @Override
    public Integer call() throws IOException {
        ObjectMapper json = new ObjectMapper();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Glm4Moe glm = model.load(Activations.INT8)) {
            Tokenizer tokenizer = Tokenizer.load(model.directory());
            ChatTemplate template = ChatTemplate.load(model.directory());
            Set<Integer> stops = new HashSet<>(GenerationConfig.load(model.directory(), glm.config()).eosTokenIds());
            Generator generator = new Generator(glm, tokenizer.vocabSize());
            ObjectNode request = json.createObjectNode();
            ArrayNode messages = request.putArray("messages");
            if (system != null) {
                messages.addObject().put("role", "system").put("content", system);
            }
            if (noThink) {
                request.putObject("chat_template_kwargs").put("enable_thinking", false);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            long seed = 0;
            while (true) {
                out.print("> ");
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    return 0;
                }
                if (line.isBlank()) {
                    continue;
                }
                messages.addObject().put("role", "user").put("content", line);
                ChatPrompt prompt = template.apply(request);
                StreamingDecoder decoder = tokenizer.streamingDecoder(false);
                GlmOutputParser parser = new GlmOutputParser(null, prompt.startsInReasoning(), List.of());
                StringBuilder content = new StringBuilder();
                StringBuilder reasoning = new StringBuilder();
                Sampler sampler = new Sampler(new SamplingParams(temperature, 0, 1, 0, seed++));
                generator.generate(tokenizer.encode(prompt.text()), maxTokens, sampler, stops, id -> {
                    if (!stops.contains(id)) {
                        show(parser.feed(decoder.next(id)), out, content, reasoning);
                    }
                });
                show(parser.feed(decoder.flush()), out, content, reasoning);
                show(parser.finish(), out, content, reasoning);
                out.println();
                ObjectNode answer = messages.addObject().put("role", "assistant").put("content", content.toString());
                if (!reasoning.isEmpty()) {
                    answer.put("reasoning_content", reasoning.toString());
                }
            }
        }
    }

    private static void show(List<OutputEvent> events, PrintStream out, StringBuilder content, StringBuilder reasoning) {
        for (OutputEvent event : events) {
            switch (event) {
                case OutputEvent.ReasoningDelta(String text) -> {
                    reasoning.append(text);
                    out.print(DIM + text + RESET);
                }
                case OutputEvent.ContentDelta(String text) -> {
                    if (content.isEmpty() && !reasoning.isEmpty()) {
                        out.println();
                    }
                    content.append(text);
                    out.print(text);
                }
                case OutputEvent.ToolCallComplete(int index, var call) ->
                        out.print("\n{\"tool_call\": {\"name\": \"" + call.name() + "\", \"arguments\": " + call.argumentsJson() + "}}");
            }
        }
        out.flush();
    }
}
