package dev.glint.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.kv.KvCache;
import dev.glint.engine.quant.QuantizationPlan;
import dev.glint.engine.quant.QuantizationProgress;
import dev.glint.engine.sampling.Sampler;
import dev.glint.kernels.MatrixProducts.Activations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.glint.engine.eval.EvalSet.ids;
import static dev.glint.engine.model.ReferenceLogits.assertMatches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * glm-nano-mtp's multi-token-prediction layer against the reference's {@code mtp_eval.json}: the MTP layer's greedy
 * draft at every step of the reference greedy decoding of all 502 eval items, and the logits of the first draft.
 */
class MtpDraftTest {
    private static final Path MODEL = Path.of("../models/glm-nano-mtp");
    /** The stored logits are rounded to 5e-6; the main model's logits agree with the same reference to 3e-5. */
    private static final double TOLERANCE = 3e-5;
    /**
     * A draft may differ from the reference's only where the reference's top two MTP logits lie closer than float32
     * engines that sum in different orders can tell apart (their logits differ by ~1e-5 here).
     */
    private static final double NEAR_TIE = 1e-3;
    private static Glm4Moe model;
    private static JsonNode mtpEval;
    private static JsonNode evalItems;

    @BeforeAll
    static void load() throws IOException {
        model = Glm4Moe.load(MODEL, 2, QuantizationPlan.NONE, QuantizationProgress.NONE, Activations.FLOAT, true);
        mtpEval = new ObjectMapper().readTree(MODEL.resolve("mtp_eval.json").toFile());
        evalItems = new ObjectMapper().readTree(MODEL.resolve("eval.json").toFile()).get("items");
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    @Test
    void theCheckpointsMtpLayerIsLoadedWhenAskedForAndGlmNanoHasNone() {
        assertTrue(model.hasMtp(), "glm-nano-mtp announces num_nextn_predict_layers 1 and stores model.layers.4.*");
        try (Glm4Moe plain = Glm4Moe.load(Path.of("../models/glm-nano"), 1, QuantizationPlan.NONE,
                QuantizationProgress.NONE, Activations.FLOAT, true)) {
            assertTrue(!plain.hasMtp(), "glm-nano has no MTP layer");
        }
        try (Glm4Moe unasked = Glm4Moe.load(MODEL, 1)) {
            assertTrue(!unasked.hasMtp(), "the MTP layer is loaded only when asked for");
        }
    }

    @Test
    void firstDraftLogitsMatchTheReference() {
        for (int i = 0; i < 3; i++) {
            JsonNode item = mtpEval.get("items").get(i);
            int[] prompt = ids(evalItems.get(i).get("prompt_ids"));
            int first = item.get("output_ids").get(0).intValue();
            try (KvCache cache = model.newCache(prompt.length + 1)) {
                float[] logits = draftAfterPrompt(cache, prompt, first);
                float[] expected = floats(item.get("mtp_first_draft_logits"));
                double error = assertMatches("glm-nano-mtp item " + i + " first draft", expected, logits, expected.length, TOLERANCE);
                System.out.printf("glm-nano-mtp item %d: max |first draft logit - reference| = %.3g%n", i, error);
            }
        }
    }

    @Test
    void greedyDraftsAlongTheReferenceOutputsEqualTheReferences() {
        JsonNode items = mtpEval.get("items");
        assertEquals(502, items.size(), "mtp_eval.json items");
        int drafts = 0;
        int accepted = 0;
        List<String> nearTies = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            int[] prompt = ids(evalItems.get(i).get("prompt_ids"));
            int[] output = ids(item.get("output_ids"));
            try (KvCache cache = model.newCache(prompt.length + output.length)) {
                float[] logits = draftAfterPrompt(cache, prompt, output[0]);
                for (int j = 1; j < output.length; j++) {
                    int draft = Sampler.argmax(logits, logits.length);
                    int expected = item.get("mtp_drafts").get(j).intValue();
                    drafts++;
                    accepted += draft == output[j] ? 1 : 0;
                    if (draft != expected) {
                        double margin = item.get("mtp_draft_margins").get(j).doubleValue();
                        String where = "item " + i + " step " + j + ": draft " + draft + ", reference " + expected
                                + " (reference margin " + margin + ")";
                        (margin < NEAR_TIE ? nearTies : mismatches).add(where);
                    }
                    if (j + 1 < output.length) {
                        logits = draftAfter(cache, output[j - 1], output[j]);
                    }
                }
            }
        }
        JsonNode reference = mtpEval.get("acceptance").get("ALL");
        System.out.printf("glm-nano-mtp: %d of %d drafts equal the reference's (%d near-ties), %d accepted by the main"
                        + " model (reference %d of %d)%n", drafts - nearTies.size() - mismatches.size(), drafts,
                nearTies.size(), accepted, reference.get("accepted").intValue(), reference.get("total").intValue());
        assertEquals(reference.get("total").intValue(), drafts, "drafts made along the reference outputs");
        assertTrue(mismatches.isEmpty(), mismatches.size() + " drafts differ beyond a near-tie: "
                + mismatches.stream().limit(5).toList());
    }

    /** Prefills {@code prompt}, then drafts from every prompt slot, the last paired with the first output token. */
    private static float[] draftAfterPrompt(KvCache cache, int[] prompt, int first) {
        Glm4Moe.Output out = model.forward(List.of(new Glm4Moe.Step(cache, prompt, false))).getFirst();
        int[] next = Arrays.copyOfRange(prompt, 1, prompt.length + 1);
        next[prompt.length - 1] = first;
        return model.draft(List.of(new Glm4Moe.DraftStep(cache, 0, out.hidden(), next))).getFirst();
    }

    /** Decodes {@code token}, then drafts from its slot paired with {@code next}, the token the main model chose after it. */
    private static float[] draftAfter(KvCache cache, int token, int next) {
        int position = cache.length();
        Glm4Moe.Output out = model.forward(List.of(new Glm4Moe.Step(cache, new int[]{token}, false))).getFirst();
        return model.draft(List.of(new Glm4Moe.DraftStep(cache, position, out.hidden(), new int[]{next}))).getFirst();
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).floatValue();
        }
        return values;
    }
}
