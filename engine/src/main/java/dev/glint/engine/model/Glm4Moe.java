package dev.glint.engine.model;

import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.model.Glm4MoeWeights.Attention;
import dev.glint.engine.model.Glm4MoeWeights.Layer;
import dev.glint.engine.model.Glm4MoeWeights.Mlp;
import dev.glint.engine.model.Glm4MoeWeights.Moe;
import dev.glint.kernels.Matrix;
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

    private Glm4Moe(Glm4MoeConfig config, Checkpoint checkpoint, WorkerPool pool) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.weights = Glm4MoeWeights.load(checkpoint, config);
        this.pool = pool;
        this.router = new MoeRouter(config);
        int rotaryDim = config.rotaryDim();
        inverseFrequencies = new double[rotaryDim / 2];
        for (int i = 0; i < rotaryDim / 2; i++) {
            inverseFrequencies[i] = 1.0 / Math.pow(config.ropeTheta(), 2.0 * i / rotaryDim);
        }
    }

    /** Maps the checkpoint in {@code modelDir} and checks every tensor the forward pass needs. */
    public static Glm4Moe load(Path modelDir, int threads) {
        Glm4MoeConfig config = Glm4MoeConfig.load(modelDir);
        Checkpoint checkpoint = Checkpoint.open(modelDir);
        try {
            return new Glm4Moe(config, checkpoint, new WorkerPool(threads));
        } catch (RuntimeException e) {
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

    public KvCache newCache(int capacity) {
        return new KvCache(config, capacity);
    }

    /**
     * Runs {@code tokens} at the positions following what {@code cache} holds and appends their keys and values.
     * Returns the logits of every token ({@code [n][vocab]}) or, when {@code allLogits} is false, of the last one.
     */
    public float[] forward(int[] tokens, KvCache cache, boolean allLogits) {
        int n = tokens.length;
        if (n == 0) {
            throw new IllegalArgumentException("forward needs at least one token");
        }
        cache.reserve(n);
        int start = cache.length();
        float[] h = embed(tokens);
        Rope rope = rope(start, n);
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            Layer layer = weights.layers().get(l);
            float[] a = rmsNorm(h, layer.inputLayernorm(), n, config.hiddenSize());
            add(h, attention(l, layer.attention(), a, n, start, rope, cache));
            float[] m = rmsNorm(h, layer.postAttentionLayernorm(), n, config.hiddenSize());
            add(h, config.isMoeLayer(l) ? moe(layer.moe(), m, n) : mlp(layer.mlp(), m, n));
        }
        cache.advance(n);
        int rows = allLogits ? n : 1;
        float[] last = allLogits ? h : Arrays.copyOfRange(h, (n - 1) * config.hiddenSize(), n * config.hiddenSize());
        return linear(weights.lmHead(), rmsNorm(last, weights.norm(), rows, config.hiddenSize()), rows);
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

    private float[] attention(int layer, Attention w, float[] a, int n, int start, Rope rope, KvCache cache) {
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        float[] q = linear(w.qProj(), a, n, w.qBias());
        float[] k = linear(w.kProj(), a, n, w.kBias());
        float[] v = linear(w.vProj(), a, n, w.vBias());
        for (int t = 0; t < n; t++) {
            positionHeads(q, t * config.qDim(), heads, w.qNorm(), rope, t);
            positionHeads(k, t * config.kvDim(), kvHeads, w.kNorm(), rope, t);
            cache.store(layer, start + t, k, t * config.kvDim(), v, t * config.kvDim());
        }
        float[] o = new float[n * config.qDim()];
        int groupSize = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        pool.forRange(n * heads, 1, (from, to) -> {
            float[] scores = new float[start + n];
            for (int i = from; i < to; i++) {
                int t = i / heads;
                int head = i % heads;
                int off = t * config.qDim() + head * headDim;
                dev.glint.kernels.Attention.attend(q, off, cache.keys(layer), cache.values(layer), config.kvDim(),
                        (head / groupSize) * headDim, start + t + 1, headDim, scale, scores, o, off);
            }
        });
        return linear(w.oProj(), o, n);
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
        float[] gate = linear(w.gateProj(), x, n);
        float[] up = linear(w.upProj(), x, n);
        VectorMath.swiGlu(gate, 0, up, 0, gate.length);
        return linear(w.downProj(), gate, n);
    }

    private float[] moe(Moe w, float[] x, int n) {
        int hidden = config.hiddenSize();
        int experts = config.nRoutedExperts();
        float[] routerLogits = linear(w.gate(), x, n);
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
        float[] out = w.sharedExperts() == null ? new float[n * hidden] : mlp(w.sharedExperts(), x, n);
        for (int e = 0; e < experts; e++) {
            List<Integer> tokens = tokensOf.get(e);
            if (tokens.isEmpty()) {
                continue;
            }
            float[] xe = new float[tokens.size() * hidden];
            for (int i = 0; i < tokens.size(); i++) {
                System.arraycopy(x, tokens.get(i) * hidden, xe, i * hidden, hidden);
            }
            float[] ye = mlp(w.experts().get(e), xe, tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                VectorMath.axpy(weightsOf.get(e).get(i), ye, i * hidden, out, tokens.get(i) * hidden, hidden);
            }
        }
        return out;
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

    private float[] linear(Matrix w, float[] x, int n) {
        return linear(w, x, n, null);
    }

    /** {@code x · Wᵀ (+ bias)} for {@code n} tokens, rows split across the pool. */
    private float[] linear(Matrix w, float[] x, int n, float[] bias) {
        int rows = w.rows();
        float[] out = new float[n * rows];
        int grain = Math.max(1, MIN_MULTIPLY_ADDS_PER_CHUNK / (w.cols() * n));
        pool.forRange(rows, grain, n == 1 ? (from, to) -> w.matVec(x, out, from, to)
                : (from, to) -> w.matMul(x, n, out, from, to));
        if (bias != null) {
            for (int t = 0; t < n; t++) {
                VectorMath.axpy(1f, bias, 0, out, t * rows, rows);
            }
        }
        return out;
    }

    /** Below this much work a chunk costs more to hand to another thread than to compute. */
    private static final int MIN_MULTIPLY_ADDS_PER_CHUNK = 32_768;

    /** Cosines and sines of the rotary angles {@code position · inv_freq[i]} of each token, computed in double. */
    private record Rope(float[][] cos, float[][] sin, int half) {
    }

    private Rope rope(int start, int n) {
        int half = inverseFrequencies.length;
        float[][] cos = new float[n][half];
        float[][] sin = new float[n][half];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < half; i++) {
                double angle = (start + t) * inverseFrequencies[i];
                cos[t][i] = (float) Math.cos(angle);
                sin[t][i] = (float) Math.sin(angle);
            }
        }
        return new Rope(cos, sin, half);
    }

    @Override
    public void close() {
        pool.close();
        checkpoint.close();
    }
}
