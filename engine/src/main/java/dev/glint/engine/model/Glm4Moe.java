package dev.glint.engine.model;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.kv.KvCache;
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
    private final Activations activations;

    private Glm4Moe(Glm4MoeConfig config, Checkpoint checkpoint, WorkerPool pool, QuantizationPlan plan,
                    QuantizationProgress progress, Activations activations) {
        this.config = config;
        this.activations = activations;
        this.checkpoint = checkpoint;
        this.weights = Glm4MoeWeights.load(checkpoint, config, MatrixReader.open(checkpoint, plan, pool, progress));
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
        Glm4MoeConfig config = Glm4MoeConfig.load(modelDir);
        Checkpoint checkpoint = Checkpoint.open(modelDir);
        WorkerPool pool = null;
        try {
            pool = new WorkerPool(threads);
            return new Glm4Moe(config, checkpoint, pool, plan, progress, activations);
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

    /** Bytes of weights the forward pass reads from: mapped, quantized at load or repacked. */
    public long residentWeightBytes() {
        return weights.matrices().residentBytes();
    }

    /** An F32 cache of at most {@code capacity} positions in a pool of its own. */
    public KvCache newCache(int capacity) {
        return new KvCache(config, KvType.F32, capacity);
    }

    /** New tokens of one sequence for a {@link #forward(List)} step; its keys and values go to {@code cache}. */
    public record Step(KvCache cache, int[] tokens, boolean allLogits) {
        public Step {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a step needs at least one token");
            }
        }
    }

    /**
     * Runs {@code tokens} at the positions following what {@code cache} holds and appends their keys and values.
     * Returns the logits of every token ({@code [n][vocab]}) or, when {@code allLogits} is false, of the last one.
     */
    public float[] forward(int[] tokens, KvCache cache, boolean allLogits) {
        return forward(List.of(new Step(cache, tokens, allLogits))).getFirst();
    }

    /**
     * One step of several sequences at once: all their new tokens go through every matrix together, so a prompt
     * being prefilled and the sequences being decoded share each read of the weights. Returns each step's logits
     * as {@link #forward(int[], KvCache, boolean)} does.
     */
    public List<float[]> forward(List<Step> steps) {
        for (Step step : steps) {
            step.cache().reserve(step.tokens().length);
        }
        Tokens batch = Tokens.of(steps);
        int n = batch.count();
        float[] h = embed(batch.ids());
        Rope rope = rope(batch.positions());
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            Layer layer = weights.layers().get(l);
            float[] a = rmsNorm(h, layer.inputLayernorm(), n, config.hiddenSize());
            add(h, selfAttention(l, layer.selfAttention(), a, batch, rope));
            float[] m = rmsNorm(h, layer.postAttentionLayernorm(), n, config.hiddenSize());
            add(h, config.isMoeLayer(l) ? moe(layer.moe(), m, n) : mlp(layer.mlp(), m, n));
        }
        for (Step step : steps) {
            step.cache().advance(step.tokens());
        }
        return logits(h, steps, batch);
    }

    /**
     * The tokens of a step laid end to end: for each, its sequence's cache, that cache's block offsets (shared by the
     * sequence's tokens and by every layer) and its absolute position.
     */
    private record Tokens(int[] ids, int[] positions, KvCache[] caches, long[][] blockOffsets, int[] firstOfStep) {
        static Tokens of(List<Step> steps) {
            int n = steps.stream().mapToInt(s -> s.tokens().length).sum();
            int[] ids = new int[n];
            int[] positions = new int[n];
            KvCache[] caches = new KvCache[n];
            long[][] blockOffsets = new long[n][];
            int[] firstOfStep = new int[steps.size() + 1];
            int t = 0;
            for (int s = 0; s < steps.size(); s++) {
                Step step = steps.get(s);
                long[] offsets = step.cache().blockOffsets();
                firstOfStep[s] = t;
                for (int i = 0; i < step.tokens().length; i++, t++) {
                    ids[t] = step.tokens()[i];
                    positions[t] = step.cache().length() + i;
                    caches[t] = step.cache();
                    blockOffsets[t] = offsets;
                }
            }
            firstOfStep[steps.size()] = n;
            return new Tokens(ids, positions, caches, blockOffsets, firstOfStep);
        }

        int count() {
            return ids.length;
        }
    }

    /** The final norm and LM head, only for the tokens whose logits were asked for. */
    private List<float[]> logits(float[] h, List<Step> steps, Tokens batch) {
        int hidden = config.hiddenSize();
        List<Integer> rows = new ArrayList<>();
        for (int s = 0; s < steps.size(); s++) {
            int first = steps.get(s).allLogits() ? batch.firstOfStep()[s] : batch.firstOfStep()[s + 1] - 1;
            for (int t = first; t < batch.firstOfStep()[s + 1]; t++) {
                rows.add(t);
            }
        }
        float[] selected = new float[rows.size() * hidden];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(h, rows.get(i) * hidden, selected, i * hidden, hidden);
        }
        float[] all = project(weights.lmHead(), rmsNorm(selected, weights.norm(), rows.size(), hidden), rows.size());
        int vocab = config.vocabSize();
        List<float[]> perStep = new ArrayList<>();
        int row = 0;
        for (Step step : steps) {
            int count = step.allLogits() ? step.tokens().length : 1;
            perStep.add(Arrays.copyOfRange(all, row * vocab, (row + count) * vocab));
            row += count;
        }
        return perStep;
    }

    private float[] embed(int[] tokens) {
        int hidden = config.hiddenSize();
        float[] h = new float[tokens.length * hidden];
        float[] row = new float[hidden];
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] < 0 || tokens[t] >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[t] + " at index " + t
                        + " is outside the model's vocabulary of " + config.vocabSize());
            }
            weights.embedTokens().loadRow(tokens[t], row);
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
