package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.SafetensorsWriter;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.checkpoint.TensorSpec;
import dev.glint.engine.model.Glm4Moe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A quantized checkpoint that cannot be read as its config says is refused at load with the tensor or config field
 * and what is wrong with it, never read into wrong weights.
 */
class QuantizedCheckpointRefusalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String Q_PROJ = "model.layers.0.self_attn.q_proj";

    /** Copies fixture {@code name} to {@code dir}; {@code edit} drops (null) or replaces tensors, {@code config} edits config.json. */
    private static void copyWith(String name, Path dir, UnaryOperator<TensorSpec> edit, Consumer<ObjectNode> config)
            throws IOException {
        Path source = Path.of("src/test/resources/fixtures/quant", name);
        ObjectNode root = (ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
        config.accept(root);
        JSON.writeValue(dir.resolve("config.json").toFile(), root);
        try (Checkpoint checkpoint = Checkpoint.open(source)) {
            List<TensorSpec> specs = new ArrayList<>();
            for (String tensor : checkpoint.names()) {
                Tensor t = checkpoint.tensor(tensor);
                TensorSpec spec = edit.apply(new TensorSpec(tensor, t.dtype(), t.shape(), out -> out.copyFrom(t.data())));
                if (spec != null) {
                    specs.add(spec);
                }
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), specs, Map.of());
        }
    }

    private static UnaryOperator<TensorSpec> dropping(String tensor) {
        return spec -> spec.name().equals(tensor) ? null : spec;
    }

    private static String refusal(Path dir) {
        return assertThrows(CheckpointException.class, () -> Glm4Moe.load(dir, 1).close()).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "message lacks \"" + part + "\": " + message);
        }
    }

    @Test
    void anFp8WeightWithoutItsScaleIsRefusedByName(@TempDir Path dir) throws IOException {
        copyWith("fp8-channel", dir, dropping(Q_PROJ + ".weight_scale"), config -> { });
        assertMentions(refusal(dir), Q_PROJ + ".weight", "F8_E4M3", "no scale", Q_PROJ + ".weight_scale");
    }

    @Test
    void fp8WeightsWithoutAnyQuantizationConfigAreRefused(@TempDir Path dir) throws IOException {
        copyWith("fp8-channel", dir, spec -> spec, config -> config.remove("quantization_config"));
        assertMentions(refusal(dir), "F8_E4M3", "no scale", "no quantization_config");
    }

    @Test
    void blockScalesOfTheWrongShapeAreRefusedWithBothShapes(@TempDir Path dir) throws IOException {
        copyWith("fp8-block", dir, spec -> !spec.name().equals(Q_PROJ + ".weight_scale_inv") ? spec
                : new TensorSpec(spec.name(), spec.dtype(), new long[]{2, 1}, out -> out.fill((byte) 0)), config -> { });
        assertMentions(refusal(dir), Q_PROJ + ".weight_scale_inv", "[2, 1]", "[1, 1]");
    }

    @Test
    void aNonFiniteScaleIsRefusedWithItsPosition(@TempDir Path dir) throws IOException {
        copyWith("gptq-g32", dir, spec -> !spec.name().equals(Q_PROJ + ".scales") ? spec
                : new TensorSpec(spec.name(), spec.dtype(), spec.shape(), out -> out.setAtIndex(
                ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 5, Float.floatToFloat16(Float.NaN))),
                config -> { });
        assertMentions(refusal(dir), Q_PROJ + ".scales", "NaN", "element 5");
    }

    @Test
    void anAsymmetricInt4WeightWithoutZeroPointsIsRefusedByName(@TempDir Path dir) throws IOException {
        copyWith("int4-ct-g32-asym", dir, dropping(Q_PROJ + ".weight_zero_point"), config -> { });
        assertMentions(refusal(dir), Q_PROJ + ".weight_zero_point", "missing", "zero points");
    }

    @Test
    void anAwqWeightWithoutZeroPointsIsRefusedByName(@TempDir Path dir) throws IOException {
        copyWith("awq-g16", dir, dropping("model.layers.2.mlp.experts.3.up_proj.qzeros"), config -> { });
        assertMentions(refusal(dir), "model.layers.2.mlp.experts.3.up_proj.qzeros", "missing");
    }

    @Test
    void actOrderGroupsOfUnequalSizeAreRefused(@TempDir Path dir) throws IOException {
        copyWith("gptq-g32-actorder", dir, spec -> !spec.name().equals(Q_PROJ + ".g_idx") ? spec
                : new TensorSpec(spec.name(), spec.dtype(), spec.shape(), out -> out.fill((byte) 0)), config -> { });
        assertMentions(refusal(dir), Q_PROJ + ".g_idx", "96 columns in group 0", "every group must have 32");
    }

    @Test
    void anUnknownQuantMethodIsRefusedByName(@TempDir Path dir) throws IOException {
        copyWith("int4-ct-g16", dir, spec -> spec,
                config -> ((ObjectNode) config.get("quantization_config")).put("quant_method", "bitsandbytes"));
        assertMentions(refusal(dir), "quantization_config.quant_method", "\"bitsandbytes\"", "not supported");
    }

    @Test
    void anUnsupportedAwqLayoutIsRefusedByName(@TempDir Path dir) throws IOException {
        copyWith("awq-g32", dir, spec -> spec, config -> ((ObjectNode) config.get("quantization_config")).put("version", "gemv"));
        assertMentions(refusal(dir), "quantization_config.version", "\"gemv\"");
    }

    @Test
    void anUnsupportedGptqFormatIsRefusedByName(@TempDir Path dir) throws IOException {
        copyWith("gptq-g16", dir, spec -> spec,
                config -> ((ObjectNode) config.get("quantization_config")).put("checkpoint_format", "marlin"));
        assertMentions(refusal(dir), "quantization_config.checkpoint_format", "\"marlin\"");
    }

    @Test
    void aModuleTheConfigExcludesButTheCheckpointQuantizesIsRefused(@TempDir Path dir) throws IOException {
        copyWith("int4-ct-g16", dir, spec -> spec,
                config -> config.withArray("/quantization_config/ignore").add(Q_PROJ));
        assertMentions(refusal(dir), Q_PROJ + " is kept unquantized by", "ignore entry", Q_PROJ + ".weight_packed");
    }

    @Test
    void aQuantizedModuleNoConfigGroupTargetsIsRefused(@TempDir Path dir) throws IOException {
        copyWith("int4-ct-g16", dir, spec -> spec, config -> config.withArray("/quantization_config/config_groups/group_0/targets")
                .removeAll().add("re:.*mlp.*"));
        assertMentions(refusal(dir), Q_PROJ, "no", "config_groups entry targets it");
    }
}
