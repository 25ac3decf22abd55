package dev.glint.engine.quant;

import dev.glint.engine.GlmNanoEval;
import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.Manifest;
import dev.glint.engine.checkpoint.SafetensorsFile;
import dev.glint.engine.checkpoint.SafetensorsWriter;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.checkpoint.TensorSpec;
import dev.glint.engine.kv.KvCache;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.engine.model.Glm4MoeConfig;
import dev.glint.engine.model.Glm4MoeWeights;
import dev.glint.kernels.Bf16Matrix;
import dev.glint.kernels.Fp8Matrix;
import dev.glint.kernels.Matrix;
import dev.glint.kernels.WorkerPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Glint's own quantization: each format's error is within what its rounding allows, quantizing at load and loading a
 * written glint checkpoint give the same logits bit for bit, fp8 and q8 checkpoints are read in place, and a
 * damaged checkpoint is refused by name.
 */
class GlintQuantizationTest {
    private static final Path TINY = Path.of("src/test/resources/fixtures/glm45-tiny");
    private static final int[] TOKENS = {1, 5, 9, 42, 7, 300, 12, 3, 77, 150, 2, 19};

    @Test
    void e4m3EncodingInvertsDecodingAndRoundsToNearestEven() {
        for (int code = 0; code < 256; code++) {
            if ((code & 0x7F) == 0x7F || code == 0x80) {
                continue;
            }
            assertEquals((byte) code, Fp8Matrix.e4m3Code(Fp8Matrix.e4m3((byte) code)), "code " + code);
        }
        assertEquals(0x38, Fp8Matrix.e4m3Code(1.0625f) & 0xFF, "1 + 1/16 lies halfway between 1 and 1.125: even mantissa");
        assertEquals(0x3A, Fp8Matrix.e4m3Code(1.1875f) & 0xFF, "halfway between 1.125 and 1.25 rounds to 1.25");
        assertEquals(0x7E, Fp8Matrix.e4m3Code(1000f) & 0xFF, "saturates at 448");
        assertEquals(0x81, Fp8Matrix.e4m3Code(-0x1p-9f) & 0xFF, "smallest subnormal keeps its sign");
    }

    /**
     * Per element: fp8 within half a step of 3 mantissa bits; q8 and q4 within half a step of their group's scale (q4's
     * is its span over 15 once its min is rounded down and its scale up to BF16, each by at most one BF16 unit, 2⁻⁷).
     */
    @ParameterizedTest
    @EnumSource(QuantFormat.class)
    void dequantizedWeightsAreWithinHalfAStepOfGlmNanosWeights(QuantFormat format) {
        QuantizationPlan plan = QuantizationPlan.parse(format, "experts,shared,attention,dense,lm_head,embeddings");
        try (Checkpoint checkpoint = Checkpoint.open(GlmNanoEval.MODEL); WorkerPool pool = new WorkerPool(2);
             Arena arena = Arena.ofShared()) {
            Map<String, Quantized> quantized = PlanQuantizer.quantize(checkpoint, plan, arena, pool, QuantizationProgress.NONE);
            assertEquals(2 + 4 * 4 + 3 + 3 * 8 * 3 + 3 * 3, quantized.size(), "matrices quantized");
            double worst = 0, worstRelative = 0;
            for (Map.Entry<String, Quantized> e : quantized.entrySet()) {
                Tensor t = checkpoint.tensor(e.getKey());
                Matrix source = new Bf16Matrix(t.data(), (int) t.dim(0), (int) t.dim(1));
                double[] errors = compare(format, source, e.getValue().matrix(), e.getKey());
                worst = Math.max(worst, errors[0]);
                worstRelative = Math.max(worstRelative, errors[1]);
            }
            System.out.printf("glm-nano %s: max |w - dequantized| %.3g, max error / allowed %.3f%n", format.id(), worst, worstRelative);
        }
    }

    /** {max absolute error, max error over its bound}; fails on the first element over its bound. */
    private static double[] compare(QuantFormat format, Matrix source, Matrix quantized, String name) {
        int cols = source.cols();
        float[] w = new float[cols];
        float[] q = new float[cols];
        double worst = 0, worstRelative = 0;
        for (int r = 0; r < source.rows(); r++) {
            source.loadRow(r, w);
            quantized.loadRow(r, q);
            float rowMax = 0;
            for (float v : w) {
                rowMax = Math.max(rowMax, Math.abs(v));
            }
            int group = format == QuantFormat.FP8 ? cols : format == QuantFormat.Q8 ? 32 : Q4Rows.groupSize(cols);
            for (int start = 0; start < cols; start += group) {
                float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
                for (int c = start; c < start + group; c++) {
                    min = Math.min(min, w[c]);
                    max = Math.max(max, w[c]);
                }
                for (int c = start; c < start + group; c++) {
                    double allowed = switch (format) {
                        case FP8 -> Math.max(Math.abs(w[c]) * 0x1p-4, rowMax / Fp8Matrix.E4M3_MAX * 0x1p-10);
                        case Q8 -> Math.max(Math.abs(min), Math.abs(max)) / 127 / 2 * (1 + 0x1p-9) + 0x1p-25;
                        case Q4 -> (max - min + Math.abs(min) * 0x1p-7) * (1 + 0x1p-7) / 15 / 2;
                    } * (1 + 1e-5) + 1e-9;
                    double error = Math.abs(w[c] - q[c]);
                    if (error > allowed) {
                        throw new AssertionError(name + " [" + r + "][" + c + "]: " + w[c] + " became " + q[c]
                                + ", error " + error + " over the " + allowed + " " + format.id() + " allows");
                    }
                    worst = Math.max(worst, error);
                    worstRelative = Math.max(worstRelative, error / allowed);
                }
            }
        }
        return new double[]{worst, worstRelative};
    }

    /**
     * Every matrix dequantizes to the same floats bit for bit both ways, so the logits agree too; they are compared to
     * 1e-4 (the fixtures' tolerance) rather than exactly because the JIT may sum a vector's lanes in another order once
     * it compiles a kernel (seen: 2e-6).
     */
    @ParameterizedTest
    @EnumSource(QuantFormat.class)
    void quantizingAtLoadAndLoadingTheWrittenCheckpointGiveIdenticalWeightsAndLogits(QuantFormat format, @TempDir Path dir)
            throws IOException {
        for (Path model : List.of(TINY, GlmNanoEval.MODEL)) {
            QuantizationPlan plan = QuantizationPlan.defaults(format);
            Path written = dir.resolve(model.getFileName() + "-" + format.id());
            GlintCheckpoint.write(model, written, plan, GlintCheckpoint.DEFAULT_SHARD_BYTES, 2, QuantizationProgress.NONE);
            assertTrue(Files.isRegularFile(written.resolve("tokenizer.json")), "tokenizer copied along");
            assertSameMatrices(model, written, plan);
            float[] atLoad, reloaded, original;
            try (Glm4Moe glm = Glm4Moe.load(model, 2, plan, QuantizationProgress.NONE)) {
                atLoad = logits(glm);
            }
            try (Glm4Moe glm = Glm4Moe.load(written, 2)) {
                reloaded = logits(glm);
            }
            try (Glm4Moe glm = Glm4Moe.load(model, 2)) {
                original = logits(glm);
            }
            double difference = 0, drift = 0;
            for (int i = 0; i < original.length; i++) {
                difference = Math.max(difference, Math.abs(atLoad[i] - reloaded[i]));
                drift = Math.max(drift, Math.abs(original[i] - atLoad[i]));
            }
            System.out.printf("%s %s: max |at load - written| %.3g; max |logit - unquantized| %.3g%n",
                    model.getFileName(), format.id(), difference, drift);
            assertTrue(difference < 1e-4, model + " " + format.id() + ": logits differ by " + difference);
            assertTrue(drift > 1e-3, model + " " + format.id() + ": quantization changed nothing");
        }
    }

    private static void assertSameMatrices(Path model, Path written, QuantizationPlan plan) {
        try (Checkpoint source = Checkpoint.open(model); WorkerPool pool = new WorkerPool(2);
             MatrixReader atLoad = MatrixReader.open(source, plan, pool, QuantizationProgress.NONE);
             Checkpoint reloaded = Checkpoint.open(written); MatrixReader fromFile = MatrixReader.open(reloaded)) {
            assertFalse(atLoad.quantized().isEmpty());
            for (String name : atLoad.quantized().keySet()) {
                Tensor t = source.tensor(name);
                int rows = (int) t.dim(0), cols = (int) t.dim(1);
                Matrix a = atLoad.read(name, rows, cols), b = fromFile.read(name, rows, cols);
                assertEquals(a.getClass(), b.getClass(), name);
                float[] rowA = new float[cols], rowB = new float[cols];
                for (int r = 0; r < rows; r++) {
                    a.loadRow(r, rowA);
                    b.loadRow(r, rowB);
                    assertArrayEquals(rowA, rowB, name + " row " + r);
                }
            }
        }
    }

    static float[] logits(Glm4Moe glm) {
        try (KvCache cache = glm.newCache(TOKENS.length)) {
            return glm.forward(TOKENS, cache, true);
        }
    }

    /** Every matrix of a glint checkpoint wraps the mapped file: loading allocates nothing. */
    @ParameterizedTest
    @EnumSource(QuantFormat.class)
    void aWrittenCheckpointIsReadInPlace(QuantFormat format, @TempDir Path dir) throws IOException {
        Path written = dir.resolve("nano");
        GlintCheckpoint.write(GlmNanoEval.MODEL, written, QuantizationPlan.defaults(format), GlintCheckpoint.DEFAULT_SHARD_BYTES,
                2, QuantizationProgress.NONE);
        Manifest manifest = Manifest.read(written.resolve(Manifest.FILE_NAME));
        assertTrue(manifest.sha256().keySet().containsAll(List.of("config.json", "model.safetensors", "tokenizer.json")),
                "the manifest of what was written: " + manifest.sha256().keySet());
        assertEquals(List.of(), manifest.verify(written, bytes -> { }));
        try (Checkpoint checkpoint = Checkpoint.open(written);
             Glm4MoeWeights weights = Glm4MoeWeights.load(checkpoint, Glm4MoeConfig.load(written), MatrixReader.open(checkpoint))) {
            assertEquals(0, weights.matrices().allocatedBytes(), "bytes allocated at load");
            assertEquals(checkpoint.bytesMapped(), weights.matrices().residentBytes());
        }
    }

    @Test
    void aCheckpointMissingAQuantizedTensorIsRefusedByName(@TempDir Path dir) throws IOException {
        Path written = writeNano(dir, QuantFormat.Q8);
        String weights = "model.layers.2.mlp.experts.5.up_proj.weight_q8";
        rewrite(written, name -> !name.equals(weights), Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> Glm4Moe.load(written, 1).close());
        assertTrue(e.getMessage().contains("model.layers.2.mlp.experts.5.up_proj") && e.getMessage().contains("modules.experts = q8"),
                e.getMessage());
        Path scalesMissing = writeNano(dir.resolve("scales"), QuantFormat.Q8);
        String scales = "model.layers.1.self_attn.o_proj.weight_q8_scale";
        rewrite(scalesMissing, name -> !name.equals(scales), Map.of());
        CheckpointException scale = assertThrows(CheckpointException.class, () -> Glm4Moe.load(scalesMissing, 1).close());
        assertTrue(scale.getMessage().contains("tensor " + scales + " is missing"), scale.getMessage());
    }

    @Test
    void aNanScaleIsRefusedWithItsPosition(@TempDir Path dir) throws IOException {
        Path written = writeNano(dir, QuantFormat.FP8);
        String scale = "model.layers.1.self_attn.q_proj.weight_scale";
        rewrite(written, name -> true, Map.of(scale, 3L));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Glm4Moe.load(written, 1).close());
        assertTrue(e.getMessage().contains(scale) && e.getMessage().contains("element 3"), e.getMessage());
        for (QuantFormat format : new QuantFormat[]{QuantFormat.Q8, QuantFormat.Q4}) {
            Path halves = writeNano(dir.resolve(format.id()), format);
            String tensor = format == QuantFormat.Q8 ? "model.layers.2.mlp.experts.3.down_proj.weight_q8_scale"
                    : "model.layers.2.mlp.experts.3.down_proj.weight_q4_min";
            rewrite(halves, name -> true, Map.of(tensor, 5L));
            CheckpointException nan = assertThrows(CheckpointException.class, () -> Glm4Moe.load(halves, 1).close());
            assertTrue(nan.getMessage().contains(tensor) && nan.getMessage().contains("element 11"), nan.getMessage());
        }
    }

    @Test
    void anUnknownLayoutVersionOrFormatIsRefusedByItsField(@TempDir Path dir) throws IOException {
        Path written = writeNano(dir, QuantFormat.Q4);
        Path config = written.resolve("config.json");
        String original = Files.readString(config);
        int current = GlintQuantization.LAYOUT_VERSION;
        for (int other : new int[]{current - 1, current + 1}) {
            Files.writeString(config, original.replace("\"layout_version\" : " + current, "\"layout_version\" : " + other));
            CheckpointException version = assertThrows(CheckpointException.class, () -> Glm4Moe.load(written, 1).close());
            assertTrue(version.getMessage().contains("quantization_config.layout_version " + other + " is not supported"),
                    version.getMessage());
        }
        Path q8 = writeNano(dir.resolve("q8"), QuantFormat.Q8);
        Path q8Config = q8.resolve("config.json");
        Files.writeString(q8Config, Files.readString(q8Config).replace("\"layout_version\" : " + current, "\"layout_version\" : 2"));
        Glm4Moe.load(q8, 1).close(); // version 2's q8 is version 3's
        Files.writeString(config, original.replace("\"experts\" : \"q4\"", "\"experts\" : \"q3\""));
        CheckpointException format = assertThrows(CheckpointException.class, () -> Glm4Moe.load(written, 1).close());
        assertTrue(format.getMessage().contains("modules.experts: unknown quantization format \"q3\""), format.getMessage());
    }

    @Test
    void anAlreadyQuantizedCheckpointIsNotQuantizedAgain(@TempDir Path dir) throws IOException {
        Path written = writeNano(dir, QuantFormat.Q8);
        CheckpointException e = assertThrows(CheckpointException.class, () ->
                Glm4Moe.load(written, 1, QuantizationPlan.defaults(QuantFormat.Q4), QuantizationProgress.NONE).close());
        assertTrue(e.getMessage().contains("is already quantized (glint q8: experts"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GlintCheckpoint.write(GlmNanoEval.MODEL, written,
                QuantizationPlan.defaults(QuantFormat.Q4), GlintCheckpoint.DEFAULT_SHARD_BYTES, 1, QuantizationProgress.NONE),
                "a folder that is not empty");
    }

    @Test
    void planEntriesAreParsedAndBadOnesNamed() {
        assertEquals("q8: lm_head; q4: experts, shared, attention, dense", QuantizationPlan.defaults(QuantFormat.Q4).describe());
        assertEquals("fp8: experts, shared, attention, dense; q8: lm_head", QuantizationPlan.defaults(QuantFormat.FP8).describe());
        assertEquals("q8: lm_head; q4: experts", QuantizationPlan.parse(QuantFormat.Q4, "experts, lm_head:q8").describe());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantizationPlan.parse(QuantFormat.Q4, "experts,routers"));
        assertTrue(e.getMessage().contains("\"routers\""), e.getMessage());
        assertFalse(QuantizationPlan.defaults(QuantFormat.Q4).formatFor("model.layers.1.mlp.gate.weight").isPresent(), "router");
    }

    private static Path writeNano(Path dir, QuantFormat format) throws IOException {
        Path written = dir.resolve("nano-" + format.id());
        GlintCheckpoint.write(GlmNanoEval.MODEL, written, QuantizationPlan.defaults(format), GlintCheckpoint.DEFAULT_SHARD_BYTES,
                2, QuantizationProgress.NONE);
        return written;
    }

    /** Rewrites the checkpoint's file keeping the tensors {@code keep} accepts, setting float element i of some to NaN. */
    static void rewrite(Path dir, Predicate<String> keep, Map<String, Long> nanAt) throws IOException {
        Path file = dir.resolve(Checkpoint.SINGLE_FILE);
        Path copy = dir.resolve("original.bin");
        Files.move(file, copy);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile original = SafetensorsFile.open(copy, arena);
            List<TensorSpec> specs = new ArrayList<>();
            for (String name : original.tensors().keySet()) {
                if (!keep.test(name)) {
                    continue;
                }
                Tensor t = original.tensor(name);
                specs.add(new TensorSpec(name, t.dtype(), t.shape(), target -> {
                    target.copyFrom(t.data());
                    if (nanAt.containsKey(name)) {
                        target.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), nanAt.get(name), Float.NaN);
                    }
                }));
            }
            SafetensorsWriter.write(file, specs, Map.of("format", "pt"));
        }
        Files.delete(copy);
    }
}
