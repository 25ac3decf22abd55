package dev.glint.engine.model;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.PageAdvice;
import dev.glint.engine.kv.KvCache;
import dev.glint.engine.kv.KvLayout;
import dev.glint.engine.kv.PagedSelfAttention;
import dev.glint.engine.model.Glm4MoeWeights.SelfAttention;
import dev.glint.engine.model.Glm4MoeWeights.Layer;
import dev.glint.engine.model.Glm4MoeWeights.Mlp;
import dev.glint.engine.model.Glm4MoeWeights.Moe;
import dev.glint.engine.quant.MatrixReader;
import dev.glint.engine.quant.QuantizationPlan;
import dev.glint.engine.quant.QuantizationProgress;
import dev.glint.kernels.KvType;
import dev.glint.kernels.Matrix;
import dev.glint.kernels.MatrixProducts;
import dev.glint.kernels.MatrixProducts.Activations;
import dev.glint.kernels.MatrixProducts.Product;
import dev.glint.kernels.VectorMath;
import dev.glint.kernels.WorkerPool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * The forward pass of {@code Glm4MoeForCausalLM}, written to be read beside transformers' modeling_glm4_moe.py.
 * Activations are F32, {@code n} tokens at a time as row-major {@code [n][width]} arrays: a prompt goes through
 * as one batch, decoding feeds one token. Keys and values go to the {@link KvCache}.
 */
public final class Glm4Moe implements AutoCloseable {
    private final Glm4MoeConfig config;
    private final Glm4MoeWeights weights;
    private final Checkpoint checkpoint;
    private final WorkerPool pool;
    private final MoeRouter router;
    private final double[] inverseFrequencies;
    private final PagedSelfAttention attention;
    private volatile Activations activations;
    private volatile boolean prefetchExperts;

    private Glm4Moe(Glm4MoeConfig config, Checkpoint checkpoint, WorkerPool pool, QuantizationPlan plan,
                    QuantizationProgress progress, Activations activations, boolean withMtp) {
        this.config = config;
        this.activations = activations;
        this.checkpoint = checkpoint;
        this.weights = Glm4MoeWeights.load(checkpoint, config, MatrixReader.open(checkpoint, plan, pool, progress), withMtp);
        this.pool = pool;
        this.router = new MoeRouter(config);
        this.attention = new PagedSelfAttention(config, pool);
        int rotaryDim = config.rotaryDim();
        inverseFrequencies = new double[rotaryDim / 2];
        for (int i = 0; i < rotaryDim / 2; i++) {
            inverseFrequencies[i] = 1.0 / Math.pow(config.ropeTheta(), 2.0 * i / rotaryDim);
        }
    }

    /** Maps the checkpoint in {@code modelDir} and checks every tensor the forward pass needs. */
    public static Glm4Moe load(Path modelDir, int threads) {
        return load(modelDir, threads, QuantizationPlan.NONE, QuantizationProgress.NONE);
    }

    /** As {@link #load(Path, int)}, quantizing the float matrices {@code plan} selects as they are loaded. */
    public static Glm4Moe load(Path modelDir, int threads, QuantizationPlan plan, QuantizationProgress progress) {
        return load(modelDir, threads, plan, progress, Activations.FLOAT);
    }

    /**
     * As {@link #load(Path, int, QuantizationPlan, QuantizationProgress)}; with {@link Activations#INT8} the matrices
     * that have an integer kernel (Glint's q4) take their inputs quantized to int8, the fast path, which moves the
     * logits slightly as llama.cpp's quantized formats do. {@link Activations#FLOAT} is the exact path.
     */
    public static Glm4Moe load(Path modelDir, int threads, QuantizationPlan plan, QuantizationProgress progress,
                               Activations activations) {
        return load(modelDir, threads, plan, progress, activations, false);
    }

    /** As above, with the checkpoint's multi-token-prediction layer when {@code withMtp} and it has one ({@link #draft}). */
    public static Glm4Moe load(Path modelDir, int threads, QuantizationPlan plan, QuantizationProgress progress,
                               Activations activations, boolean withMtp) {
        Glm4MoeConfig config = Glm4MoeConfig.load(modelDir);
        Checkpoint checkpoint = Checkpoint.open(modelDir);
        WorkerPool pool = null;
        try {
            pool = new WorkerPool(threads);
            return new Glm4Moe(config, checkpoint, pool, plan, progress, activations, withMtp);
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            checkpoint.close();
            throw e;
        }
    }

    public Glm4MoeConfig config() {
        return config;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /**
     * Locks in memory the weights every token reads — attention, dense and shared-expert MLPs, routers, the LM head,
     * and the MTP layer's — so that when the checkpoint does not fit, only routed experts page. The embedding table
     * and the routed experts, of which a token reads a few rows or matrices, stay paged. Returns the bytes locked.
     */
    public long lockWeightsEveryTokenReads() {
        List<Matrix> always = new ArrayList<>(List.of(weights.lmHead()));
        List<Layer> layers = new ArrayList<>(weights.layers());
        if (weights.mtp() != null) {
            layers.add(weights.mtp().layer());
            always.add(weights.mtp().ehProj());
        }
        for (Layer layer : layers) {
            SelfAttention a = layer.selfAttention();
            always.addAll(List.of(a.qProj(), a.kProj(), a.vProj(), a.oProj()));
            if (layer.mlp() != null) {
                always.addAll(List.of(layer.mlp().gateProj(), layer.mlp().upProj(), layer.mlp().downProj()));
            }
            if (layer.moe() != null) {
                always.add(layer.moe().gate());
                Mlp shared = layer.moe().sharedExperts();
                if (shared != null) {
                    always.addAll(List.of(shared.gateProj(), shared.upProj(), shared.downProj()));
                }
            }
        }
        return PageAdvice.lock(always.stream().flatMap(m -> m.memory().stream()).toList());
    }

    /**
     * With {@code on}, each MoE layer asks the operating system for its chosen experts' pages as soon as its router
     * has chosen them, so that those not in memory are read from disk all at once rather than one fault at a time.
     */
    public void prefetchExperts(boolean on) {
        prefetchExperts = on;
    }

    /**
     * Switches what the products multiply from the next forward pass on (see {@link #load(Path, int, QuantizationPlan,
     * QuantizationProgress, Activations)}), so that both paths can be timed in turn on one loaded model.
     */
    public void activations(Activations activations) {
        this.activations = activations;
    }

    /** Bytes of weights the forward pass reads from: mapped, quantized at load or repacked. */
    public long residentWeightBytes() {
        return weights.matrices().residentBytes();
    }

    /** An F32 cache of at most {@code capacity} positions in a pool of its own, with the MTP layer's when there is one. */
    public KvCache newCache(int capacity) {
        return new KvCache(kvLayout(KvType.F32, hasMtp()), capacity);
    }

    /** How a KV pool of {@code type} lays out this model's layers, and the MTP layer after them when {@code withMtp}. */
    public KvLayout kvLayout(KvType type, boolean withMtp) {
        if (withMtp && !hasMtp()) {
            throw noMtp();
        }
        return KvLayout.of(config, type, config.numHiddenLayers() + (withMtp ? 1 : 0));
    }

    /**
     * New tokens of one sequence for a {@link #forward(List)} step; their keys and values go to {@code cache}. The last
     * {@code drafts} of them are guesses being verified: their keys and values are stored, but the cache counts them
     * only when the caller confirms them with {@link KvCache#advance}.
     */
    public record Step(KvCache cache, int[] tokens, boolean allLogits, int drafts) {
        public Step(KvCache cache, int[] tokens, boolean allLogits) {
            this(cache, tokens, allLogits, 0);
        }

        public Step {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a step needs at least one token");
            }
            if (drafts < 0 || drafts >= tokens.length) {
                throw new IllegalArgumentException(drafts + " drafts in a step of " + tokens.length + " tokens: a step"
                        + " verifies drafts after at least one known token");
            }
        }
    }

    /**
     * What a step computed for one sequence: logits ({@code [n][vocab]}, or the last token's), and the final hidden
     * state of every token after {@code model.norm} ({@code [n][hidden]}), the input of the LM head and of the MTP layer.
     */
    public record Output(float[] logits, float[] hidden) {
    }

    /**
     * Runs {@code tokens} at the positions following what {@code cache} holds and appends their keys and values.
     * Returns the logits of every token ({@code [n][vocab]}) or, when {@code allLogits} is false, of the last one.
     */
    public float[] forward(int[] tokens, KvCache cache, boolean allLogits) {
        return forward(List.of(new Step(cache, tokens, allLogits))).getFirst().logits();
    }

    /**
     * One step of several sequences at once: all their new tokens go through every matrix together, so a prompt
     * being prefilled and the sequences being decoded share each read of the weights.
     */
    public List<Output> forward(List<Step> steps) {
        for (Step step : steps) {
            step.cache().reserve(step.tokens().length);
        }
        Tokens batch = Tokens.of(steps);
        float[] h = embed(weights.embedTokens(), batch.ids());
        Rope rope = rope(batch.positions());
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            decoderLayer(l, weights.layers().get(l), h, batch, rope);
        }
        for (Step step : steps) {
            step.cache().advance(Arrays.copyOf(step.tokens(), step.tokens().length - step.drafts()));
        }
        float[] normed = rmsNorm(h, weights.norm(), batch.count(), config.hiddenSize());
        List<Integer> rows = new ArrayList<>();
        for (int s = 0; s < steps.size(); s++) {
            int first = steps.get(s).allLogits() ? batch.firstOfStep()[s] : batch.firstOfStep()[s + 1] - 1;
            for (int t = first; t < batch.firstOfStep()[s + 1]; t++) {
                rows.add(t);
            }
        }
        float[] logits = logits(weights.lmHead(), normed, rows);
        int vocab = config.vocabSize();
        int hidden = config.hiddenSize();
        List<Output> outputs = new ArrayList<>();
        int row = 0;
        for (int s = 0; s < steps.size(); s++) {
            int count = steps.get(s).allLogits() ? steps.get(s).tokens().length : 1;
            outputs.add(new Output(Arrays.copyOfRange(logits, row * vocab, (row + count) * vocab),
                    Arrays.copyOfRange(normed, batch.firstOfStep()[s] * hidden, batch.firstOfStep()[s + 1] * hidden)));
            row += count;
        }
        return outputs;
    }

    /** {@code input_layernorm}, self-attention and residual, {@code post_attention_layernorm}, MLP or MoE and residual. */
    private void decoderLayer(int l, Layer layer, float[] h, Tokens batch, Rope rope) {
        int n = batch.count();
        float[] a = rmsNorm(h, layer.inputLayernorm(), n, config.hiddenSize());
        add(h, selfAttention(l, layer.selfAttention(), a, batch, rope));
        float[] m = rmsNorm(h, layer.postAttentionLayernorm(), n, config.hiddenSize());
        add(h, layer.moe() != null ? moe(layer.moe(), m, n) : mlp(layer.mlp(), m, n));
    }

    private IllegalStateException noMtp() {
        return new IllegalStateException(missingMtp());
    }

    /** Why {@link #draft} cannot run (the checkpoint has no MTP layer, or it was loaded without it); null when it can. */
    public String missingMtp() {
        if (hasMtp()) {
            return null;
        }
        return config.numNextnPredictLayers() == 0
                ? "the checkpoint has no multi-token-prediction layer (num_nextn_predict_layers is 0)"
                : "the model was loaded without its multi-token-prediction layer";
    }

    /** Whether the multi-token-prediction layer was loaded (asked for, and in the checkpoint), so that {@link #draft} can run. */
    public boolean hasMtp() {
        return weights.mtp() != null;
    }

    /**
     * Slots of one sequence for the MTP layer: the main model's final hidden states (after {@code model.norm}, as
     * {@link Output#hidden}) of the positions from {@code firstPosition} on, and for each the token that followed it.
     * The layer's keys and values go to {@code cache}'s layer {@code num_hidden_layers}, at the same positions.
     */
    public record DraftStep(KvCache cache, int firstPosition, float[] hidden, int[] nextTokens) {
        public DraftStep {
            if (nextTokens.length == 0) {
                throw new IllegalArgumentException("a draft step needs at least one slot");
            }
        }
    }

    /**
     * GLM's multi-token prediction as vLLM's {@code glm4_moe_mtp} and SGLang's {@code glm4_moe_nextn} compute it: for
     * the slot of position t, {@code x = eh_proj([enorm(embed(token t+1)); hnorm(h_t)])} (the embedding is zero at
     * position 0), one decoder layer at position t over the layer's own keys and values,
     * {@code shared_head.head(shared_head.norm(x))}. Returns, per step, the logits of its last slot: a guess at the
     * token after that slot's next token.
     */
    public List<float[]> draft(List<DraftStep> steps) {
        Glm4MoeWeights.Mtp mtp = weights.mtp();
        if (mtp == null) {
            throw noMtp();
        }
        Tokens batch = Tokens.ofDrafts(steps);
        int n = batch.count();
        int hidden = config.hiddenSize();
        float[] e = embed(mtp.embedTokens(), batch.ids());
        float[] h = new float[n * hidden];
        for (int s = 0; s < steps.size(); s++) {
            System.arraycopy(steps.get(s).hidden(), 0, h, batch.firstOfStep()[s] * hidden, steps.get(s).nextTokens().length * hidden);
        }
        for (int t = 0; t < n; t++) {
            if (batch.positions()[t] == 0) {
                Arrays.fill(e, t * hidden, (t + 1) * hidden, 0f);
            }
        }
        float[] en = rmsNorm(e, mtp.enorm(), n, hidden);
        float[] hn = rmsNorm(h, mtp.hnorm(), n, hidden);
        float[] eh = new float[n * 2 * hidden];
        for (int t = 0; t < n; t++) {
            System.arraycopy(en, t * hidden, eh, 2 * t * hidden, hidden);
            System.arraycopy(hn, t * hidden, eh, (2 * t + 1) * hidden, hidden);
        }
        float[] x = project(mtp.ehProj(), eh, n);
        decoderLayer(config.numHiddenLayers(), mtp.layer(), x, batch, rope(batch.positions()));
        List<Integer> lastSlots = new ArrayList<>();
        for (int s = 0; s < steps.size(); s++) {
            lastSlots.add(batch.firstOfStep()[s + 1] - 1);
        }
        float[] logits = logits(mtp.sharedHead(), rmsNorm(x, mtp.sharedHeadNorm(), n, hidden), lastSlots);
        int vocab = config.vocabSize();
        List<float[]> perStep = new ArrayList<>();
        for (int s = 0; s < steps.size(); s++) {
            perStep.add(Arrays.copyOfRange(logits, s * vocab, (s + 1) * vocab));
        }
        return perStep;
    }

    /**
     * The tokens of a step laid end to end: for each, its sequence's cache, that cache's block offsets (shared by the
     * sequence's tokens and by every layer) and its absolute position.
     */
    private record Tokens(int[] ids, int[] positions, KvCache[] caches, long[][] blockOffsets, int[] firstOfStep) {
        static Tokens of(List<Step> steps) {
            return of(steps.size(), s -> steps.get(s).cache(), s -> steps.get(s).tokens(), s -> steps.get(s).cache().length());
        }

        static Tokens ofDrafts(List<DraftStep> steps) {
            return of(steps.size(), s -> steps.get(s).cache(), s -> steps.get(s).nextTokens(), s -> steps.get(s).firstPosition());
        }

        private static Tokens of(int count, IntFunction<KvCache> cacheOf, IntFunction<int[]> tokensOf, IntUnaryOperator firstPositionOf) {
            int n = 0;
            for (int s = 0; s < count; s++) {
                n += tokensOf.apply(s).length;
            }
            int[] ids = new int[n];
            int[] positions = new int[n];
            KvCache[] caches = new KvCache[n];
            long[][] blockOffsets = new long[n][];
            int[] firstOfStep = new int[count + 1];
            int t = 0;
            for (int s = 0; s < count; s++) {
                KvCache cache = cacheOf.apply(s);
                int[] tokens = tokensOf.apply(s);
                long[] offsets = cache.blockOffsets();
                firstOfStep[s] = t;
                for (int i = 0; i < tokens.length; i++, t++) {
                    ids[t] = tokens[i];
                    positions[t] = firstPositionOf.applyAsInt(s) + i;
                    caches[t] = cache;
                    blockOffsets[t] = offsets;
                }
            }
            firstOfStep[count] = n;
            return new Tokens(ids, positions, caches, blockOffsets, firstOfStep);
        }

        int count() {
            return ids.length;
        }
    }

    /** {@code head} applied to the given rows of {@code normed}, row after row: {@code [rows][vocab]}. */
    private float[] logits(Matrix head, float[] normed, List<Integer> rows) {
        int hidden = config.hiddenSize();
        float[] selected = new float[rows.size() * hidden];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(normed, rows.get(i) * hidden, selected, i * hidden, hidden);
        }
        return project(head, selected, rows.size());
    }

    private float[] embed(Matrix embedTokens, int[] tokens) {
        int hidden = config.hiddenSize();
        float[] h = new float[tokens.length * hidden];
        float[] row = new float[hidden];
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] < 0 || tokens[t] >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[t] + " at index " + t
                        + " is outside the model's vocabulary of " + config.vocabSize());
            }
            embedTokens.loadRow(tokens[t], row);
            System.arraycopy(row, 0, h, t * hidden, hidden);
        }
        return h;
    }

    private float[] selfAttention(int layer, SelfAttention w, float[] a, Tokens batch, Rope rope) {
        int n = batch.count();
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        Product qProj = Product.of(w.qProj(), a, n);
        Product kProj = Product.of(w.kProj(), a, n);
        Product vProj = Product.of(w.vProj(), a, n);
        run(List.of(qProj, kProj, vProj));
        float[] q = addBias(qProj.out(), w.qBias(), n);
        float[] k = addBias(kProj.out(), w.kBias(), n);
        float[] v = addBias(vProj.out(), w.vBias(), n);
        for (int t = 0; t < n; t++) {
            positionHeads(q, t * config.qDim(), heads, w.qNorm(), rope, t);
            positionHeads(k, t * config.kvDim(), kvHeads, w.kNorm(), rope, t);
            batch.caches()[t].store(layer, batch.positions()[t], k, t * config.kvDim(), v, t * config.kvDim());
        }
        float[] o = new float[n * config.qDim()];
        attention.attend(layer, q, batch.caches(), batch.blockOffsets(), batch.positions(), o);
        return project(w.oProj(), o, n);
    }

    /** Per head: the optional q/k RMSNorm over head_dim, then partial rotary embedding of the leading dims. */
    private void positionHeads(float[] x, int off, int heads, float[] norm, Rope rope, int t) {
        int headDim = config.headDim();
        for (int head = 0; head < heads; head++) {
            int at = off + head * headDim;
            if (norm != null) {
                VectorMath.rmsNorm(x, at, norm, config.rmsNormEps(), x, at, headDim);
            }
            VectorMath.ropeNeox(x, at, rope.cos[t], rope.sin[t], rope.half);
        }
    }

    private float[] mlp(Mlp w, float[] x, int n) {
        return experts(List.of(new ExpertInput(w, x, n))).getFirst();
    }

    private float[] moe(Moe w, float[] x, int n) {
        int hidden = config.hiddenSize();
        int experts = config.nRoutedExperts();
        float[] routerLogits = project(w.gate(), x, n);
        List<List<Integer>> tokensOf = new ArrayList<>();
        List<List<Float>> weightsOf = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            tokensOf.add(new ArrayList<>());
            weightsOf.add(new ArrayList<>());
        }
        for (int t = 0; t < n; t++) {
            MoeRouter.Route route = router.route(routerLogits, t * experts, w.eScoreCorrectionBias());
            for (int j = 0; j < route.experts().length; j++) {
                tokensOf.get(route.experts()[j]).add(t);
                weightsOf.get(route.experts()[j]).add(route.weights()[j]);
            }
        }
        List<Integer> chosen = new ArrayList<>();
        List<ExpertInput> inputs = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            List<Integer> tokens = tokensOf.get(e);
            if (!tokens.isEmpty()) {
                float[] xe = new float[tokens.size() * hidden];
                for (int i = 0; i < tokens.size(); i++) {
                    System.arraycopy(x, tokens.get(i) * hidden, xe, i * hidden, hidden);
                }
                chosen.add(e);
                inputs.add(new ExpertInput(w.experts().get(e), xe, tokens.size()));
            }
        }
        if (prefetchExperts) {
            for (ExpertInput in : inputs) {
                PageAdvice.willNeed(List.of(in.mlp().gateProj(), in.mlp().upProj(), in.mlp().downProj()).stream()
                        .flatMap(m -> m.memory().stream()).toList());
            }
        }
        if (w.sharedExperts() != null) {
            inputs.add(new ExpertInput(w.sharedExperts(), x, n));
        }
        List<float[]> outputs = experts(inputs);
        float[] out = w.sharedExperts() == null ? new float[n * hidden] : outputs.getLast();
        for (int c = 0; c < chosen.size(); c++) {
            int e = chosen.get(c);
            for (int i = 0; i < tokensOf.get(e).size(); i++) {
                VectorMath.axpy(weightsOf.get(e).get(i), outputs.get(c), i * hidden, out, tokensOf.get(e).get(i) * hidden, hidden);
            }
        }
        return out;
    }

    /** One SwiGLU MLP applied to {@code n} token rows of {@code x}. */
    private record ExpertInput(Mlp mlp, float[] x, int n) {
    }

    /**
     * {@code down(silu(gate(x)) * up(x))} for each input; the gate and up projections of all inputs run as one
     * parallel job, the down projections as another.
     */
    private List<float[]> experts(List<ExpertInput> inputs) {
        List<Product> gates = new ArrayList<>();
        List<Product> ups = new ArrayList<>();
        for (ExpertInput in : inputs) {
            gates.add(Product.of(in.mlp().gateProj(), in.x(), in.n()));
            ups.add(Product.of(in.mlp().upProj(), in.x(), in.n()));
        }
        List<Product> gateAndUp = new ArrayList<>(gates);
        gateAndUp.addAll(ups);
        run(gateAndUp);
        List<Product> downs = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            float[] hiddenActivation = gates.get(i).out();
            VectorMath.swiGlu(hiddenActivation, 0, ups.get(i).out(), 0, hiddenActivation.length);
            downs.add(Product.of(inputs.get(i).mlp().downProj(), hiddenActivation, inputs.get(i).n()));
        }
        run(downs);
        return downs.stream().map(Product::out).toList();
    }

    private float[] rmsNorm(float[] x, float[] weight, int n, int width) {
        float[] out = new float[n * width];
        for (int t = 0; t < n; t++) {
            VectorMath.rmsNorm(x, t * width, weight, config.rmsNormEps(), out, t * width, width);
        }
        return out;
    }

    private static void add(float[] h, float[] delta) {
        VectorMath.axpy(1f, delta, 0, h, 0, h.length);
    }

    /** {@code x · Wᵀ} for {@code n} tokens. */
    private float[] project(Matrix w, float[] x, int n) {
        Product product = Product.of(w, x, n);
        run(List.of(product));
        return product.out();
    }

    private void run(List<Product> products) {
        MatrixProducts.run(pool, products, activations);
    }

    private static float[] addBias(float[] out, float[] bias, int n) {
        if (bias != null) {
            for (int t = 0; t < n; t++) {
                VectorMath.axpy(1f, bias, 0, out, t * bias.length, bias.length);
            }
        }
        return out;
    }

    /** Cosines and sines of the rotary angles {@code position · inv_freq[i]} of each token, computed in double. */
    private record Rope(float[][] cos, float[][] sin, int half) {
    }

    private Rope rope(int[] positions) {
        int half = inverseFrequencies.length;
        float[][] cos = new float[positions.length][half];
        float[][] sin = new float[positions.length][half];
        for (int t = 0; t < positions.length; t++) {
            for (int i = 0; i < half; i++) {
                double angle = positions[t] * inverseFrequencies[i];
                cos[t][i] = (float) Math.cos(angle);
                sin[t][i] = (float) Math.sin(angle);
            }
        }
        return new Rope(cos, sin, half);
    }

    @Override
    public void close() {
        pool.close();
        weights.close();
        checkpoint.close();
    }
}
