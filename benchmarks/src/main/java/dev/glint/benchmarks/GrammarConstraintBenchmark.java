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
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What structured output adds to a decoding step: masking the logits with the grammar's allowed tokens and
 * advancing the grammar by the drawn token, per token of a 20-token JSON answer on glm-nano's vocabulary. "warm":
 * the schema's automaton already served a request (its masks are cached, as for every later request with that
 * schema); "cold": a schema seen for the first time, compiled and its masks computed as the answer goes. Compare with
 * a glm-nano decode step from {@code glint bench --model models/glm-nano} in the same run. Run from the project root.
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
        int size = JSON.readTree(Path.of(model, "config.json").toFile()).get("vocab_size").asInt();
        vocabulary = TokenVocabulary.of(size, id -> id < tokenizer.vocabSize() && !tokenizer.isAdded(id) ? tokenizer.bytes(id) : null, ends);
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
