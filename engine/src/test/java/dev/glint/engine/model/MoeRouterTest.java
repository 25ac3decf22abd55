package dev.glint.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class MoeRouterTest {

    private static MoeRouter router(int experts, int perToken, int groups, int keptGroups, boolean normalize, double scale)
            throws IOException {
        ObjectNode c = (ObjectNode) new ObjectMapper().readTree(Path.of("../models/glm-nano/config.json").toFile());
        c.put("n_routed_experts", experts).put("num_experts_per_tok", perToken).put("n_group", groups)
                .put("topk_group", keptGroups).put("norm_topk_prob", normalize).put("routed_scaling_factor", scale);
        return new MoeRouter(Glm4MoeConfig.parse(c, "test config"));
    }

    private static float logit(double p) {
        return (float) Math.log(p / (1 - p));
    }

    @Test
    void biasChoosesExpertsButWeightsComeFromUnbiasedScores() throws IOException {
        float[] logits = {logit(0.9), logit(0.8), logit(0.3), logit(0.2)};
        float[] bias = {0f, 0f, 0.7f, 0f};
        MoeRouter.Route route = router(4, 2, 1, 1, false, 1.0).route(logits, 0, bias);
        assertArrayEquals(new int[]{2, 0}, route.experts(), "0.3 + 0.7 beats 0.9, then 0.9");
        assertArrayEquals(new float[]{0.3f, 0.9f}, route.weights(), 1e-6f);
    }

    @Test
    void chosenWeightsAreRenormalisedThenScaled() throws IOException {
        float[] logits = {logit(0.6), logit(0.2), logit(0.1), logit(0.4)};
        MoeRouter.Route route = router(4, 2, 1, 1, true, 2.5).route(logits, 0, new float[4]);
        assertArrayEquals(new int[]{0, 3}, route.experts());
        assertArrayEquals(new float[]{2.5f * 0.6f, 2.5f * 0.4f}, route.weights(), 1e-6f);
    }

    @Test
    void groupLimitedSelectionKeepsOnlyTheBestGroups() throws IOException {
        // Group 0 = experts 0-3 (two best 0.5 + 0.5 = 1.0), group 1 = 4-7 (best single 0.9, but its pair 0.9 + 0.05 = 0.95).
        float[] logits = {logit(0.5), logit(0.5), logit(0.45), logit(0.4), logit(0.9), logit(0.05), logit(0.05), logit(0.05)};
        MoeRouter.Route route = router(8, 2, 2, 1, false, 1.0).route(logits, 0, new float[8]);
        assertArrayEquals(new int[]{0, 1}, route.experts(), "expert 4 scores highest but its group is dropped");
    }

    @Test
    void topKBreaksTiesTowardsTheLowerIndex() {
        assertArrayEquals(new int[]{1, 0, 3}, MoeRouter.topK(new float[]{0.5f, 0.7f, 0.1f, 0.5f}, 3));
    }
}
