package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glint.engine.grammar.GlmToolCallGrammar;
import dev.glint.engine.grammar.Grammar;
import dev.glint.engine.grammar.GrammarAutomaton;
import dev.glint.engine.grammar.JsonSchemaGrammar;
import dev.glint.engine.grammar.TokenVocabulary;
import dev.glint.engine.grammar.UnsupportedSchemaException;
import dev.glint.engine.kv.KvPool;
import dev.glint.engine.model.GenerationConfig;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.model.MemoryPlan;
import dev.glint.engine.quant.QuantizationPlan;
import dev.glint.engine.quant.QuantizationProgress;
import dev.glint.engine.scheduler.Scheduler;
import dev.glint.engine.speculative.Speculation;
import dev.glint.engine.text.chat.ChatTemplate;
import dev.glint.engine.text.tokenizer.StreamingDecoder;
import dev.glint.engine.text.tokenizer.Tokenizer;
import dev.glint.kernels.KvType;
import dev.glint.kernels.MatrixProducts.Activations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** A loaded model with what serving it needs: tokenizer, chat template, stop ids and the scheduler that runs it. */
public final class ServedModel implements AutoCloseable {
    private final String name;
    private final List<Pattern> aliases;
    private final Path directory;
    private final Glm4Moe model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final Set<Integer> stopIds;
    private final GenerationParams.GenerationDefaults defaults;
    private final Boolean thinking;
    private final RequestLimits limits;
    private TokenVocabulary vocabulary;
    /** The automata of the schemas most recently asked for, least recently used first. */
    private final Map<String, GrammarAutomaton> grammars = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, GrammarAutomaton> eldest) {
            return size() > 32;
        }
    };
    private final MemoryPlan plan;
    private final Scheduler scheduler;
    private final long loadedAt = System.currentTimeMillis() / 1000;

    /**
     * Serving options: context per sequence (default: the model's), parallel sequences, prompt tokens per step,
     * waiting requests; the KV cache's type, its pool in tokens (default: one context) and the memory limit that
     * weights and pool must fit (default: {@link MemoryPlan#defaultLimit}); what quantized weights multiply; GLM's
     * thinking for every chat request whatever it asks (null: as the request asks, else the template's default);
     * what one request may ask.
     */
    public record Options(String name, int threads, Integer contextLength, int parallel, int prefillChunk, int maxWaiting,
                          KvType kvType, Integer poolTokens, Long memoryLimit, Activations activations, Boolean thinking,
                          RequestLimits limits, Speculation speculation) {
        public Options(String name, int threads, Integer contextLength, int parallel, int prefillChunk, int maxWaiting) {
            this(name, threads, contextLength, parallel, prefillChunk, maxWaiting, KvType.F32, null, null, Activations.INT8,
                    null, RequestLimits.DEFAULTS, null);
        }

        public Options withThinking(Boolean forced) {
            return new Options(name, threads, contextLength, parallel, prefillChunk, maxWaiting, kvType, poolTokens,
                    memoryLimit, activations, forced, limits, speculation);
        }

        public Options withSpeculation(Speculation chosen) {
            return new Options(name, threads, contextLength, parallel, prefillChunk, maxWaiting, kvType, poolTokens,
                    memoryLimit, activations, thinking, limits, chosen);
        }
    }

    private ServedModel(Path directory, Options options, QuantizationPlan quantization, QuantizationProgress progress) {
        this.directory = directory;
        this.thinking = options.thinking();
        this.limits = options.limits();
        // null: none. vLLM and SGLang serve GLM with MTP drafts by default, but on a CPU a verify step reads the experts
        // of both its tokens: measured side by side it decoded no faster (README, "Speculative decoding").
        Speculation speculation = options.speculation() != null ? options.speculation() : Speculation.NONE;
        boolean mtp = speculation.method() == Speculation.Method.MTP;
        // Planned before the weights load: a plan that cannot fit is refused before anything is repacked or allocated.
        this.plan = MemoryPlan.forCheckpoint(directory, options.kvType(), mtp, options.contextLength(), options.poolTokens(),
                options.memoryLimit() == null ? MemoryPlan.defaultLimit() : options.memoryLimit());
        plan.check();
        this.model = Glm4Moe.load(directory, options.threads(), quantization, progress, options.activations(), mtp);
        try {
            this.tokenizer = Tokenizer.load(directory);
            this.template = ChatTemplate.load(directory);
            GenerationConfig generation = GenerationConfig.load(directory, model.config());
            this.stopIds = Set.copyOf(generation.eosTokenIds());
            this.defaults = new GenerationParams.GenerationDefaults(generation.temperature(), generation.topP(), null);
            String missingMtp = mtp ? model.missingMtp() : null;
            if (missingMtp != null) {
                throw new IllegalArgumentException("--speculative mtp: " + missingMtp + "; use ngram or none");
            }
            KvPool pool = new KvPool(model.kvLayout(options.kvType(), mtp), plan.poolTokens());
            this.scheduler = new Scheduler(model, pool, options.parallel(), plan.contextLength(), options.prefillChunk(),
                    options.maxWaiting(), tokenizer.vocabSize(), speculation);
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException("cannot read the tokenizer or chat template of " + directory + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        List<String> names = options.name() == null ? List.of() : List.of(options.name().split(","));
        this.name = names.stream().map(String::strip).filter(n -> !n.isEmpty() && !n.contains("*")).findFirst()
                .orElse(directory.toAbsolutePath().normalize().getFileName().toString());
        this.aliases = names.stream().map(String::strip).filter(n -> !n.isEmpty()).map(ServedModel::glob).toList();
    }

    public static ServedModel load(Path directory, Options options) {
        return load(directory, options, QuantizationPlan.NONE, QuantizationProgress.NONE);
    }

    /** As {@link #load(Path, Options)}, quantizing the float matrices {@code plan} selects while loading. */
    public static ServedModel load(Path directory, Options options, QuantizationPlan plan, QuantizationProgress progress) {
        return new ServedModel(directory, options, plan, progress);
    }

    /** A model name in which {@code *} stands for any characters. */
    private static Pattern glob(String name) {
        StringBuilder regex = new StringBuilder();
        for (String literal : name.split("\\*", -1)) {
            regex.append(regex.isEmpty() ? "" : ".*").append(Pattern.quote(literal));
        }
        return Pattern.compile(regex.toString());
    }

    public String name() {
        return name;
    }

    boolean answersTo(String requested) {
        return requested.equals(name) || requested.equals(directory.toString())
                || aliases.stream().anyMatch(alias -> alias.matcher(requested).matches());
    }

    RequestLimits limits() {
        return limits;
    }

    Tokenizer tokenizer() {
        return tokenizer;
    }

    ChatTemplate template() {
        return template;
    }

    Set<Integer> stopIds() {
        return stopIds;
    }

    /** Thinking on or off for every chat request, whatever it asks; null when each request decides. */
    Boolean thinking() {
        return thinking;
    }

    GenerationParams.GenerationDefaults defaults() {
        return defaults;
    }

    public MemoryPlan plan() {
        return plan;
    }

    /** The model the scheduler steps; for what the command line does once it is loaded (locking its weights). */
    public Glm4Moe model() {
        return model;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    long loadedAt() {
        return loadedAt;
    }

    /**
     * The vocabulary as the grammars of structured output read it, built on first use. Added tokens are markup,
     * special or not (GLM's output parser reads {@code <think>} or {@code <tool_call>} as markup wherever it is):
     * the tool-call words become the bytes the tool-call grammar reads for them, the others are left out, as are
     * raw-byte tokens that could pass for those bytes.
     */
    synchronized TokenVocabulary vocabulary() {
        if (vocabulary == null) {
            vocabulary = TokenVocabulary.of(model.config().vocabSize(), this::grammarBytes, stopIds);
        }
        return vocabulary;
    }

    private byte[] grammarBytes(int id) {
        if (id >= tokenizer.vocabSize()) {
            return null;
        }
        if (tokenizer.isAdded(id)) {
            Integer markup = GlmToolCallGrammar.MARKUP.get(tokenizer.token(id));
            return markup == null ? null : new byte[]{(byte) (int) markup};
        }
        byte[] bytes = tokenizer.bytes(id);
        for (byte b : bytes) {
            if ((b & 0xFF) >= 0xF5) {
                return null;
            }
        }
        return bytes;
    }

    /**
     * The automaton of one GLM tool call to any of {@code tools} (OpenAI's shape: function name, parameters,
     * strict), cached like the schemas'; a strict tool's schema the compiler refuses is a 400 naming the keyword.
     */
    GrammarAutomaton toolCallGrammar(JsonNode tools) {
        return automaton("tools:" + tools, "tools", () -> {
            List<GlmToolCallGrammar.Tool> declared = new ArrayList<>();
            for (JsonNode tool : tools) {
                JsonNode function = tool.path("function");
                declared.add(new GlmToolCallGrammar.Tool(function.path("name").asText(), function.path("parameters"),
                        function.path("strict").asBoolean(false)));
            }
            return GlmToolCallGrammar.compile(declared);
        });
    }

    /**
     * The automaton of a JSON schema (null: any JSON object), compiled once and kept for the next requests with the
     * same schema, with the token masks it has computed; a schema the compiler refuses is a 400 naming the keyword.
     */
    GrammarAutomaton grammar(JsonNode schema, String param) {
        String json = schema == null ? "" : schema.toString();
        limits.checkSchema(json, param);
        return automaton(json, param,
                () -> schema == null ? JsonSchemaGrammar.anyObject() : JsonSchemaGrammar.compile(schema));
    }

    /** The cached automaton under {@code key}, or a new one of what {@code compile} returns (a refusal: a 400 on {@code param}). */
    private GrammarAutomaton automaton(String key, String param, Supplier<Grammar> compile) {
        synchronized (grammars) {
            GrammarAutomaton known = grammars.get(key);
            if (known != null) {
                return known;
            }
        }
        Grammar grammar;
        try {
            grammar = compile.get();
        } catch (UnsupportedSchemaException e) {
            throw ApiException.badRequest(param, e.getMessage());
        }
        GrammarAutomaton automaton = new GrammarAutomaton(grammar, vocabulary());
        synchronized (grammars) {
            grammars.put(key, automaton);
        }
        return automaton;
    }

    StreamingDecoder textStream() {
        return tokenizer.streamingDecoder(false);
    }

    /**
     * max_tokens as asked, or all the room the context leaves; refused when the prompt leaves none. A request that
     * asks for more than the room is refused, or with {@code clamp} cut to the room (it then ends with a length stop).
     */
    int maxTokens(Integer requested, int promptTokens, boolean clamp) {
        int room = scheduler.contextLength() - promptTokens;
        if (room < 1) {
            throw ApiException.badRequest("messages", "the prompt has " + promptTokens
                    + " tokens, which leaves no room in the context of " + scheduler.contextLength());
        }
        if (requested == null || clamp && requested > room) {
            return room;
        }
        if (requested > room) {
            throw ApiException.badRequest("max_tokens", "the prompt has " + promptTokens + " tokens and max_tokens is "
                    + requested + ": " + (promptTokens + (long) requested) + " tokens exceed the context of "
                    + scheduler.contextLength());
        }
        return requested;
    }

    @Override
    public void close() {
        scheduler.close();
        model.close();
    }
}
