package dev.glint.engine.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.kv.KvPool;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.quant.QuantFormat;
import dev.glint.engine.quant.QuantizationPlan;
import dev.glint.engine.quant.QuantizationProgress;
import dev.glint.engine.sampling.SamplingParams;
import dev.glint.engine.scheduler.Collector.Outcome;
import dev.glint.engine.speculative.Speculation;
import dev.glint.kernels.KvType;
import dev.glint.kernels.MatrixProducts.Activations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.glint.engine.eval.EvalSet.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Speculative decoding changes how many steps an answer takes, never the answer: glm-nano-mtp's greedy outputs of all
 * eval items with MTP drafts and with n-gram drafts equal the reference's, batched, preempted and sampled alike.
 */
class SpeculativeDecodingTest {
    private static final Path GLM_NANO_MTP = Path.of("../models/glm-nano-mtp");
    private static final Set<Integer> STOPS = Set.of(1480, 1487, 1489);
    private static Glm4Moe model;
    private static JsonNode items;
    private static JsonNode simulation;

    @BeforeAll
    static void load() throws IOException {
        model = Glm4Moe.load(GLM_NANO_MTP, 2, QuantizationPlan.NONE, QuantizationProgress.NONE, Activations.FLOAT, true);
        ObjectMapper json = new ObjectMapper();
        items = json.readTree(GLM_NANO_MTP.resolve("eval.json").toFile()).get("items");
        simulation = json.readTree(GLM_NANO_MTP.resolve("mtp_eval.json").toFile())
                .get("speculative_decoding_simulation").get("by_task").get("ALL");
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    private static Scheduler scheduler(int poolTokens, Speculation speculation) {
        KvPool pool = new KvPool(model.kvLayout(KvType.F32, speculation.method() == Speculation.Method.MTP), poolTokens);
        return new Scheduler(model, pool, 8, Math.min(poolTokens, 2048), 64, 1000, model.config().vocabSize(), speculation);
    }

    /**
     * Every draft the reference's simulation proposes along its outputs (one after each emitted token) is proposed and
     * verified here too, so the counts are the simulation's exactly.
     */
    @Test
    void mtpDraftsLeaveEveryGreedyEvalOutputUnchangedAndAreAcceptedAsTheReferenceSimulated() throws Exception {
        try (Scheduler scheduler = scheduler(4096, Speculation.mtp())) {
            List<String> mismatches = generateEvalItems(scheduler);
            Scheduler.Stats stats = scheduler.stats();
            System.out.printf("MTP speculation, 8 parallel: %d/%d eval outputs equal the reference; %d of %d drafts accepted"
                            + " (reference simulation %d of %d); %d steps for %d tokens%n", items.size() - mismatches.size(),
                    items.size(), stats.acceptedDraftTokens(), stats.draftTokens(), simulation.get("accepted").intValue(),
                    simulation.get("proposed").intValue(), stats.steps(), stats.generatedTokens());
            assertTrue(mismatches.isEmpty(), mismatches.size() + " differ: " + mismatches.stream().limit(3).toList());
            assertEquals(simulation.get("proposed").longValue(), stats.draftTokens(), "drafts verified");
            assertEquals(simulation.get("accepted").longValue(), stats.acceptedDraftTokens(), "drafts accepted");
        }
    }

    @Test
    void ngramDraftsLeaveEveryGreedyEvalOutputUnchanged() throws Exception {
        try (Scheduler scheduler = scheduler(4096, Speculation.ngram(4))) {
            List<String> mismatches = generateEvalItems(scheduler);
            Scheduler.Stats stats = scheduler.stats();
            System.out.printf("n-gram speculation (4 tokens), 8 parallel: %d/%d eval outputs equal the reference; %d of %d"
                            + " drafts accepted; %d steps for %d tokens%n", items.size() - mismatches.size(), items.size(),
                    stats.acceptedDraftTokens(), stats.draftTokens(), stats.steps(), stats.generatedTokens());
            assertTrue(mismatches.isEmpty(), mismatches.size() + " differ: " + mismatches.stream().limit(3).toList());
            assertTrue(stats.acceptedDraftTokens() > 0, "answers repeat spans of their prompts (tool arguments, names)");
        }
    }

    /**
     * Eight sequences growing to about 300 tokens each in a pool of 400: the newest are preempted, recomputed and draft
     * again, and each output is the one it has without drafts and with room to spare.
     */
    @Test
    void sequencesPreemptedWhileDraftingGenerateWhatTheyWouldUnpreempted() throws Exception {
        List<int[]> prompts = new ArrayList<>();
        for (JsonNode item : items) {
            if (prompts.size() < 8 && item.get("prompt_ids").size() <= 200) {
                prompts.add(ids(item.get("prompt_ids")));
            }
        }
        List<int[]> roomy = answers(scheduler(4096, Speculation.NONE), prompts, SamplingParams.greedy(), Set.of(), 150);
        Scheduler tight = scheduler(400, Speculation.mtp());
        List<int[]> preempted = answers(tight, prompts, SamplingParams.greedy(), Set.of(), 150);
        System.out.printf("MTP speculation in a 400-token pool: %d preemptions, %d of %d drafts accepted%n",
                tight.stats().preemptions(), tight.stats().acceptedDraftTokens(), tight.stats().draftTokens());
        assertTrue(tight.stats().preemptions() > 0, "the pool was meant to run out");
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(roomy.get(i), preempted.get(i), "sequence " + i);
        }
    }

    /**
     * A draft is kept only when the sampler, drawing from the main model's logits at that position, draws it: the rule
     * of speculative sampling for a certain guess, under which every token still comes from the main model's
     * distribution. The sampler makes the same draws in the same order with or without drafts, so seeded answers are
     * the same token for token, which implies the same distribution.
     */
    @Test
    void seededSamplingDrawsTheSameAnswersWithAndWithoutDrafts() throws Exception {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            prompts.add(ids(items.get(i * 12).get("prompt_ids")));
        }
        SamplingParams sampled = new SamplingParams(1.0, 0, 0.95, 0, 7);
        List<int[]> plain = answers(Speculation.NONE, prompts, sampled);
        for (Speculation speculation : List.of(Speculation.mtp(), Speculation.ngram(4))) {
            List<int[]> drafted = answers(speculation, prompts, sampled);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(plain.get(i), drafted.get(i), speculation.method() + ", prompt " + i);
            }
        }
    }

    /**
     * q4 weights quantized at load (int8 activations, the fast path) and a q8_0 KV cache: MTP drafts from the quantized
     * layer and n-gram drafts leave the greedy answers of that configuration unchanged. One sequence at a time: the q8
     * LM head's products of 8 or more rows (several sequences' logits in one step) round differently from those of
     * fewer, so with drafts changing how many rows a step holds, a near-tie could tip either way. Every path runs once
     * before the answers are compared: until C2 compiles a kernel its vector lanes are summed in another order, and a
     * plain decode by compiled kernels against a verify step by interpreted ones once tipped a near-tie (prompt 8,
     * token 44) in a CI run.
     */
    @Test
    void quantizedWeightsAndKvGiveTheSameAnswersWithDrafts() throws Exception {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            prompts.add(ids(items.get(i * 8).get("prompt_ids")));
        }
        try (Glm4Moe q4 = Glm4Moe.load(GLM_NANO_MTP, 2, QuantizationPlan.defaults(QuantFormat.Q4), QuantizationProgress.NONE,
                Activations.INT8, true)) {
            for (Speculation speculation : List.of(Speculation.NONE, Speculation.mtp(), Speculation.ngram(3))) {
                answers(quantized(q4, speculation), prompts.subList(0, 12), SamplingParams.greedy(), STOPS, 200);
            }
            List<int[]> plain = answers(quantized(q4, Speculation.NONE), prompts, SamplingParams.greedy(), STOPS, 200);
            for (Speculation speculation : List.of(Speculation.mtp(), Speculation.ngram(3))) {
                Scheduler drafting = quantized(q4, speculation);
                List<int[]> drafted = answers(drafting, prompts, SamplingParams.greedy(), STOPS, 200);
                System.out.printf("q4 weights, q8_0 KV, %s drafts: %d of %d accepted%n", speculation.method(),
                        drafting.stats().acceptedDraftTokens(), drafting.stats().draftTokens());
                assertTrue(drafting.stats().acceptedDraftTokens() > 0, speculation + " drafted nothing that held");
                for (int i = 0; i < prompts.size(); i++) {
                    assertArrayEquals(plain.get(i), drafted.get(i), speculation.method() + ", prompt " + i);
                }
            }
        }
    }

    private static Scheduler quantized(Glm4Moe q4, Speculation speculation) {
        KvPool pool = new KvPool(q4.kvLayout(KvType.Q8, speculation.method() == Speculation.Method.MTP), 4096);
        return new Scheduler(q4, pool, 1, 2048, 64, 1000, q4.config().vocabSize(), speculation);
    }

    @Test
    void mtpIsRefusedForACheckpointWithoutTheLayer() {
        try (Glm4Moe plain = Glm4Moe.load(Path.of("../models/glm-nano"), 1)) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new Scheduler(plain,
                    new KvPool(plain.config(), KvType.F32, 64), 1, 64, 64, 1, 1536, Speculation.mtp()));
            assertTrue(refused.getMessage().contains("no multi-token-prediction layer"), refused.getMessage());
        }
    }

    private static List<int[]> answers(Speculation speculation, List<int[]> prompts, SamplingParams sampling) throws Exception {
        return answers(scheduler(4096, speculation), prompts, sampling, STOPS, 200);
    }

    /** Each prompt's answer, all submitted at once; closes the scheduler. */
    private static List<int[]> answers(Scheduler scheduler, List<int[]> prompts, SamplingParams sampling, Set<Integer> stops,
                                       int maxTokens) throws Exception {
        try (scheduler) {
            List<int[]> answers = new ArrayList<>();
            for (Collector collector : submit(scheduler, prompts, sampling, stops, maxTokens)) {
                answers.add(collector.done.get(120, TimeUnit.SECONDS).tokens());
            }
            return answers;
        }
    }

    private static List<Collector> submit(Scheduler scheduler, List<int[]> prompts, SamplingParams sampling, Set<Integer> stops,
                                          int maxTokens) {
        List<Collector> collectors = new ArrayList<>();
        for (int[] prompt : prompts) {
            Collector collector = new Collector();
            collectors.add(collector);
            scheduler.submit(new GenerationRequest(prompt, maxTokens, sampling, stops), collector);
        }
        return collectors;
    }

    /** Submits every eval item greedily; returns how each output that differs from the reference differs. */
    private static List<String> generateEvalItems(Scheduler scheduler) throws Exception {
        List<int[]> prompts = new ArrayList<>();
        for (JsonNode item : items) {
            prompts.add(ids(item.get("prompt_ids")));
        }
        List<Collector> collectors = submit(scheduler, prompts, SamplingParams.greedy(), STOPS, 200);
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Outcome outcome = collectors.get(i).done.get(300, TimeUnit.SECONDS);
            int[] expected = ids(items.get(i).get("output_ids"));
            if (!Arrays.equals(expected, outcome.tokens()) || outcome.reason() != TokenSink.FinishReason.STOP) {
                mismatches.add("item " + i + ": expected " + Arrays.toString(expected) + " got "
                        + Arrays.toString(outcome.tokens()) + " (" + outcome.reason() + ")");
            }
        }
        return mismatches;
    }
}
