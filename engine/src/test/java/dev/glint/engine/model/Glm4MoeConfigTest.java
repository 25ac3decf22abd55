package dev.glint.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Glm4MoeConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode glmNanoConfig() throws IOException {
        return (ObjectNode) JSON.readTree(Path.of("../models/glm-nano/config.json").toFile());
    }

    @Test
    void readsEveryFieldOfGlmNano() throws IOException {
        Glm4MoeConfig c = Glm4MoeConfig.parse(glmNanoConfig(), "config.json");
        assertEquals(1536, c.vocabSize());
        assertEquals(128, c.hiddenSize());
        assertEquals(32, c.headDim());
        assertEquals(16, c.rotaryDim());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(2.5f, c.routedScalingFactor());
        assertTrue(c.useQkNorm() && c.attentionBias() && c.normTopkProb());
        assertEquals(List.of(1480, 1487, 1489), c.eosTokenIds());
    }

    @Test
    void ropeParametersWinOverTopLevelKeys() throws IOException {
        ObjectNode node = glmNanoConfig();
        node.putObject("rope_parameters").put("rope_theta", 1e6).put("partial_rotary_factor", 0.25).put("rope_type", "default");
        Glm4MoeConfig c = Glm4MoeConfig.parse(node, "config.json");
        assertEquals(1e6, c.ropeTheta());
        assertEquals(8, c.rotaryDim());
    }

    @Test
    void partialRotaryFactorDefaultsToOneHalf() throws IOException {
        ObjectNode node = glmNanoConfig();
        node.remove("partial_rotary_factor");
        assertEquals(16, Glm4MoeConfig.parse(node, "config.json").rotaryDim());
    }

    @ParameterizedTest
    @ValueSource(strings = {"hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
            "intermediate_size", "moe_intermediate_size", "n_routed_experts", "num_experts_per_tok", "vocab_size"})
    void aMissingDimensionIsRefusedByName(String field) throws IOException {
        ObjectNode node = glmNanoConfig();
        node.remove(field);
        ConfigException e = assertThrows(ConfigException.class, () -> Glm4MoeConfig.parse(node, "some/config.json"));
        assertEquals("some/config.json: " + field + " is missing", e.getMessage());
    }

    @Test
    void wrongTypesAndImpossibleShapesAreRefused() throws IOException {
        ObjectNode wrongType = glmNanoConfig().put("hidden_size", "128");
        assertThrows(ConfigException.class, () -> Glm4MoeConfig.parse(wrongType, "c.json"));
        ObjectNode badGqa = glmNanoConfig().put("num_key_value_heads", 3);
        assertTrue(assertThrows(ConfigException.class, () -> Glm4MoeConfig.parse(badGqa, "c.json"))
                .getMessage().contains("num_key_value_heads"));
        ObjectNode tooManyExperts = glmNanoConfig().put("num_experts_per_tok", 9);
        assertThrows(ConfigException.class, () -> Glm4MoeConfig.parse(tooManyExperts, "c.json"));
        ObjectNode otherModel = glmNanoConfig().put("model_type", "llama");
        assertTrue(assertThrows(ConfigException.class, () -> Glm4MoeConfig.parse(otherModel, "c.json"))
                .getMessage().contains("llama"));
        ObjectNode scaled = glmNanoConfig();
        scaled.putObject("rope_scaling").put("type", "yarn");
        assertTrue(assertThrows(ConfigException.class, () -> Glm4MoeConfig.parse(scaled, "c.json"))
                .getMessage().contains("rope_scaling"));
    }

    @Test
    void aFolderWithoutConfigOrWithBrokenJsonIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        assertTrue(assertThrows(ConfigException.class, () -> Glm4MoeConfig.load(dir)).getMessage().contains("no config.json"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": ");
        assertTrue(assertThrows(ConfigException.class, () -> Glm4MoeConfig.load(dir)).getMessage().contains("not valid JSON"));
    }

    @Test
    void generationConfigEosIdsOverrideTheConfigs() throws IOException {
        Glm4MoeConfig c = Glm4MoeConfig.load(Path.of("../models/glm-nano"));
        assertEquals(List.of(1480, 1487, 1489), GenerationConfig.load(Path.of("../models/glm-nano"), c).eosTokenIds());
    }
}
