package dev.glint.engine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.generate.Generator;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.sampling.Sampler;
import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.text.output.GlmOutputParser;
import dev.glint.engine.text.output.ParsedOutput;
import dev.glint.engine.text.output.ToolCall;
import dev.glint.engine.text.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A model's {@code eval.json} (glm-nano's held-out tasks): prompts as token ids, the expected answers, and how they
 * were decoded. An answer counts as correct only when the whole output is right, as the model's README defines it:
 * the expected text exactly (or exactly the expected tool call), a non-empty {@code <think>} block when thinking is
 * on and none when it is off, and the right stop token ({@code <|observation|>} after a tool call, {@code <|user|>}
 * otherwise).
 */
public record EvalSet(List<Item> items, int maxNewTokens, Set<Integer> stopIds) {
    public static final String FILE = "eval.json";

    /** One held-out prompt; {@code expect} is a string, or a {@code {name, arguments}} tool call. */
    public record Item(int id, String task, boolean thinking, int[] promptIds, JsonNode tools, JsonNode expect,
                       int[] referenceOutput) {
    }

    public static boolean presentIn(Path modelDir) {
        return Files.isRegularFile(modelDir.resolve(FILE));
    }

    public static EvalSet load(Path modelDir) throws IOException {
        Path file = modelDir.resolve(FILE);
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        List<Item> items = new ArrayList<>();
        for (JsonNode item : root.path("items")) {
            items.add(new Item(item.path("id").intValue(), item.path("task").asText(), item.path("thinking").asBoolean(),
                    ids(item.path("prompt_ids")), item.get("tools"), item.get("expect"), ids(item.path("output_ids"))));
        }
        if (items.isEmpty()) {
            throw new IOException(file + " has no \"items\"");
        }
        JsonNode decoding = root.path("decoding");
        return new EvalSet(List.copyOf(items), decoding.path("max_new_tokens").asInt(160),
                Set.copyOf(Arrays.stream(ids(decoding.path("stop_token_ids"))).boxed().toList()));
    }

    /** The first {@code n} items, for a quicker run. */
    public EvalSet first(int n) {
        return new EvalSet(items.subList(0, Math.min(n, items.size())), maxNewTokens, stopIds);
    }

    /** A JSON array of token ids. */
    public static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).intValue();
        }
        return ids;
    }

    /** Whether {@code output} (generated ids, the stop id last when there is one) answers {@code item} correctly. */
    public boolean correct(Item item, int[] output, Tokenizer tokenizer) {
        if (output.length == 0 || !stopIds.contains(output[output.length - 1])) {
            return false;
        }
        String stop = tokenizer.token(output[output.length - 1]);
        String text = tokenizer.decode(Arrays.copyOf(output, output.length - 1), false);
        ParsedOutput parsed = GlmOutputParser.parse(text, item.tools(), false, List.of());
        boolean reasoned = parsed.reasoning() != null && !parsed.reasoning().isBlank();
        if (reasoned != item.thinking()) {
            return false;
        }
        if (item.expect().isObject()) {
            List<ToolCall> calls = parsed.toolCalls();
            return stop.equals("<|observation|>") && calls.size() == 1
                    && calls.getFirst().name().equals(item.expect().path("name").asText())
                    && calls.getFirst().arguments().equals(item.expect().path("arguments"));
        }
        return stop.equals("<|user|>") && parsed.toolCalls().isEmpty() && parsed.content().strip().equals(item.expect().asText());
    }

    /** The number of items {@code model} answers correctly by greedy decoding. */
    public int correctAnswers(Glm4Moe model, Tokenizer tokenizer) {
        Generator generator = new Generator(model, tokenizer.vocabSize());
        Set<Integer> stops = new HashSet<>(stopIds);
        int correct = 0;
        for (Item item : items) {
            int[] output = generator.generate(item.promptIds(), maxNewTokens, new Sampler(SamplingParams.greedy()), stops, id -> { });
            if (correct(item, output, tokenizer)) {
                correct++;
            }
        }
        return correct;
    }
}
