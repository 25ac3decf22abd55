package dev.glint.engine.kv;

import dev.glint.engine.model.Glm4Moe;
import dev.glint.kernels.KvType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.glint.engine.model.ReferenceLogits.argmax;
import static dev.glint.engine.model.ReferenceLogits.fixture;
import static dev.glint.engine.model.ReferenceLogits.floats;
import static dev.glint.engine.model.ReferenceLogits.intArray;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 16- or 8-bit KV cache legitimately moves logits (llama.cpp measured 2e-2 for bf16 on long-8k, and bf16 flips a
 * routing decision on glm46-long), so these runs are measured against the F32 one — llama.cpp's F32-KV logits, which
 * Glint's F32 cache matches within 1.1e-5 — and held to bounds about twice what was measured, which a wrong encoding
 * (a lost scale, a swapped byte, a bad rounding) exceeds by far. Measured: long-8k bf16 2.0e-2 (llama.cpp's figure),
 * q8 7.2e-2, fp8 2.6 with 95% top-1; on glm46-long a flipped expert choice makes the largest error 1.8 (bf16) to 3.2
 * (fp8) at a few positions while the mean KL stays at 1.3e-4 (bf16), 1.3e-3 (q8), 9e-3 (fp8, which has no scale).
 * Prompts go in chunks of 2048, as a server prefills them.
 */
class KvTypeQualityTest {
    private static final int CHUNK = 2048;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "glm46-long, BF16, 4, 1e-3, 0.99",
            "glm46-long, FP8, 8, 5e-2, 0.93",
            "glm46-long, Q8, 6, 1e-2, 0.98",
            "long-8k, BF16, 0.1, 1e-5, 0.975",
            "long-8k, FP8, 6, 5e-2, 0.9",
            "long-8k, Q8, 0.3, 1e-4, 0.975"})
    void logitsStayCloseToTheF32Run(String name, KvType type, double maxError, double maxMeanKl, double minTop1)
            throws IOException {
        Path dir = fixture(name);
        int[] tokens = intArray(dir.resolve("tokens.json"));
        Path kept = dir.resolve("positions.json");
        int[] positions = Files.exists(kept) ? intArray(kept) : java.util.stream.IntStream.range(0, tokens.length).toArray();
        float[] f32 = floats(dir.resolve("logits.f32"));
        try (Glm4Moe model = Glm4Moe.load(dir, 2); KvCache cache = new KvCache(model.config(), type, tokens.length)) {
            int vocab = model.config().vocabSize();
            float[] all = new float[tokens.length * vocab];
            for (int from = 0; from < tokens.length; from += CHUNK) {
                int[] chunk = Arrays.copyOfRange(tokens, from, Math.min(tokens.length, from + CHUNK));
                System.arraycopy(model.forward(chunk, cache, true), 0, all, from * vocab, chunk.length * vocab);
            }
            double worst = 0;
            double klSum = 0;
            double klMax = 0;
            int agree = 0;
            for (int r = 0; r < positions.length; r++) {
                int at = positions[r] * vocab;
                for (int i = 0; i < vocab; i++) {
                    worst = Math.max(worst, Math.abs(all[at + i] - f32[r * vocab + i]));
                }
                double kl = kl(f32, r * vocab, all, at, vocab);
                klSum += kl;
                klMax = Math.max(klMax, kl);
                agree += argmax(f32, r * vocab, vocab) == argmax(all, at, vocab) ? 1 : 0;
            }
            double meanKl = klSum / positions.length;
            double top1 = agree / (double) positions.length;
            String measured = String.format("%s %s KV: %d positions, max |logit - f32| = %.3g, KL mean %.3g max %.3g, "
                    + "top-1 agreement %.4f", name, type, positions.length, worst, meanKl, klMax, top1);
            System.out.println(measured);
            assertTrue(worst <= maxError && meanKl <= maxMeanKl && top1 >= minTop1, measured + "; bounds: error "
                    + maxError + ", mean KL " + maxMeanKl + ", top-1 " + minTop1);
        }
    }

    /** KL(p ‖ q) of the softmaxes of two logit rows, in nats. */
    private static double kl(float[] p, int pOff, float[] q, int qOff, int vocab) {
        double pMax = Double.NEGATIVE_INFINITY;
        double qMax = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            pMax = Math.max(pMax, p[pOff + i]);
            qMax = Math.max(qMax, q[qOff + i]);
        }
        double pSum = 0;
        double qSum = 0;
        for (int i = 0; i < vocab; i++) {
            pSum += Math.exp(p[pOff + i] - pMax);
            qSum += Math.exp(q[qOff + i] - qMax);
        }
        double pLog = pMax + Math.log(pSum);
        double qLog = qMax + Math.log(qSum);
        double kl = 0;
        for (int i = 0; i < vocab; i++) {
            double logP = p[pOff + i] - pLog;
            kl += Math.exp(logP) * (logP - (q[qOff + i] - qLog));
        }
        return Math.max(0, kl);
    }
}
