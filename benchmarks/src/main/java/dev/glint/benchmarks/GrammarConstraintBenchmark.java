package dev.glint.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.grammar.Grammar;
import dev.glint.engine.grammar.GrammarAutomaton;
import dev.glint.engine.grammar.GrammarConstraint;
import dev.glint.engine.grammar.JsonSchemaGrammar;
import dev.glint.engine.grammar.TokenVocabulary;
import dev.glint.engine.text.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * What structured output adds to a decoding step: masking the logits with the grammar's allowed tokens and
 * advancing the grammar by the drawn token, per token of a 20-token JSON answer on glm-nano's vocabulary. "warm":
 * the schema's automaton already served a request (its masks are cached, as for every later request with that
 * schema); "cold": a schema seen for the first time, compiled and its masks computed as the answer goes. Compare with
 * a glm-nano decode step from {@code glint bench --model models/glm-nano} in the same run. {@code vocabulary=151k}
 * adds 150,000 word-like byte strings to glm-nano's tokens, about the size of GLM-4.5's vocabulary, to see what the
 * mask walk costs there (the answer's tokens stay glm-nano's). Run from the project root.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GrammarConstraintBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
            + "\"temperature\":{\"type\":\"number\"},\"condition\":{\"enum\":[\"sunny\",\"rainy\",\"snowy\"]}},"
            + "\"required\":[\"city\",\"temperature\",\"condition\"]}";
    private static final String ANSWER = "\n{\"city\": \"Austin\", \"temperature\": 4, \"condition\": \"snowy\"}";
    /** Tokens per invocation, checked in setUp. */
    private static final int TOKENS = 20;

    @Param({"models/glm-nano"})
    String model;

    @Param({"glm-nano", "151k"})
    String vocabularyKind;

    private TokenVocabulary vocabulary;
    private JsonNode schema;
    private GrammarAutomaton warm;
    private int[] answer;
    private float[] logits;

    @Setup
    public void setUp() throws IOException {
        Tokenizer tokenizer = Tokenizer.load(Path.of(model));
        Set<Integer> ends = new HashSet<>();
        JSON.readTree(Path.of(model, "generation_config.json").toFile()).get("eos_token_id").forEach(id -> ends.add(id.asInt()));
        int modelSize = JSON.readTree(Path.of(model, "config.json").toFile()).get("vocab_size").asInt();
        byte[][] extra = vocabularyKind.equals("151k") ? wordLikeTokens(150_000) : new byte[0][];
        int size = modelSize + extra.length;
        vocabulary = TokenVocabulary.of(size, id -> id >= modelSize ? extra[id - modelSize]
                : id < tokenizer.vocabSize() && !tokenizer.isAdded(id) ? tokenizer.bytes(id) : null, ends);
        schema = JSON.readTree(SCHEMA);
        int[] text = tokenizer.encode(ANSWER);
        answer = Arrays.copyOf(text, text.length + 1);
        answer[text.length] = ends.iterator().next();
        if (answer.length != TOKENS) {
            throw new IllegalStateException("the answer is " + answer.length + " tokens, not " + TOKENS);
        }
        logits = new float[size];
        warm = new GrammarAutomaton(JsonSchemaGrammar.compile(schema), vocabulary);
        run(warm);
    }

    /** Distinct byte strings shaped like BPE tokens: words, capitalised or not, with or without a leading space. */
    private static byte[][] wordLikeTokens(int count) {
        SplittableRandom random = new SplittableRandom(11);
        String letters = "etaoinshrdlcumwfgypbvkjxqz";
        String other = "0123456789.,:;\"'(){}[]<>=+-_/\\*&%$#@!?\n\t";
        Set<String> tokens = new HashSet<>();
        while (tokens.size() < count) {
            StringBuilder token = new StringBuilder(random.nextInt(4) == 0 ? "" : " ");
            if (random.nextInt(8) == 0) {
                for (int i = 1 + random.nextInt(3); i > 0; i--) {
                    token.append(other.charAt(random.nextInt(other.length())));
                }
            } else {
                int length = 2 + random.nextInt(8);
                for (int i = 0; i < length; i++) {
                    // Skewed towards frequent letters, as words are.
                    char c = letters.charAt((int) (letters.length() * Math.pow(random.nextDouble(), 2)));
                    token.append(i == 0 && random.nextInt(5) == 0 ? Character.toUpperCase(c) : c);
                }
            }
            tokens.add(token.toString());
        }
        return tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }

    private float run(GrammarAutomaton automaton) {
        GrammarConstraint constraint = new GrammarConstraint(automaton, vocabulary, 1000);
        float sum = 0;
        for (int token : answer) {
            constraint.mask(logits, logits.length);
            sum += logits[token];
            constraint.accept(token);
        }
        if (!constraint.isComplete()) {
            throw new IllegalStateException("the answer is not a complete document of the schema");
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public float warm() {
        return run(warm);
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public float cold() {
        Grammar grammar = JsonSchemaGrammar.compile(schema);
        return run(new GrammarAutomaton(grammar, vocabulary));
    }
}
