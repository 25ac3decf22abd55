package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.GlmNanoEval;
import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.engine.checkpoint.CheckpointException;
import dev.glint.engine.checkpoint.DType;
import dev.glint.engine.checkpoint.Manifest;
import dev.glint.engine.checkpoint.SafetensorsWriter;
import dev.glint.engine.checkpoint.Tensor;
import dev.glint.engine.checkpoint.TensorSpec;
import dev.glint.engine.model.Glm4Moe;
import dev.glint.kernels.F32Matrix;
import dev.glint.kernels.WorkerPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamingQuantizationTest {
    /** Smaller than glm-nano's lm_head and embeddings in every format, so that those get shards of their own. */
    private static final long TINY_SHARD = 64 << 10;

    /**
     * The header is written before any matrix is quantized, from the layout each format derives from the shape; and
     * quantizing a matrix in blocks of rows, as the writer does across its threads, gives the bytes quantizing it
     * whole does. The shapes cover a last q4 tile that is partly padding and q4's groups of 16.
     */
    @ParameterizedTest
    @EnumSource(QuantFormat.class)
    void theLayoutAndBytesWrittenAreWhatQuantizingTheWholeMatrixGives(QuantFormat format, @TempDir Path dir) {
        int[][] shapes = {{70, 64}, {33, 48}, {5, 32}, {128, 96}};
        List<TensorSpec> sources = new ArrayList<>();
        for (int[] shape : shapes) {
            if (format.fits(shape[1])) {
                sources.add(randomF32("m" + shape[0] + "x" + shape[1] + ".weight", shape[0], shape[1]));
            }
        }
        SafetensorsWriter.write(dir.resolve(Checkpoint.SINGLE_FILE), sources, Map.of());
        try (Checkpoint checkpoint = Checkpoint.open(dir); WorkerPool pool = new WorkerPool(2);
             StreamingQuantizer quantizer = new StreamingQuantizer(pool, QuantizationProgress.NONE, 0);
             Arena arena = Arena.ofConfined()) {
            for (TensorSpec source : sources) {
                Tensor t = checkpoint.tensor(source.name());
                int rows = (int) t.dim(0), cols = (int) t.dim(1);
                Quantized whole = format.quantize(FloatRows.of(new F32Matrix(t.data(), rows, cols)), arena);
                List<Quantized.Layout> layout = format.layout(rows, cols);
                List<TensorSpec> streamed = quantizer.tensors(PlanQuantizer.source(t), format);
                assertEquals(whole.parts().size(), layout.size(), source.name());
                assertEquals(layout.size(), streamed.size(), source.name());
                for (int i = 0; i < layout.size(); i++) {
                    Quantized.Part part = whole.parts().get(i);
                    String where = format.id() + " " + source.name() + " part " + part.layout().suffix();
                    assertEquals(part.layout().suffix(), layout.get(i).suffix(), where);
                    assertEquals(part.layout().dtype(), layout.get(i).dtype(), where);
                    assertArrayEquals(part.layout().shape(), layout.get(i).shape(), where + ": shape");
                    assertArrayEquals(layout.get(i).shape(), streamed.get(i).shape(), where + ": shape written");
                    MemorySegment written = arena.allocate(streamed.get(i).byteSize());
                    streamed.get(i).fill().accept(written);
                    long differsAt = written.mismatch(part.data());
                    assertEquals(-1, differsAt, where + ": the streamed bytes differ from byte " + differsAt + " of "
                            + part.data().byteSize());
                }
            }
        }
    }

    /**
     * Written in shards of 64 KiB, glm-nano holds the same tensors, byte for byte, as written into one file; it loads
     * through the index and gives the logits of quantizing at load; and the writer never held more than the largest
     * matrix's quantized bytes (no slack: a matrix's blocks of rows add up to exactly its layout).
     */
    @ParameterizedTest
    @EnumSource(QuantFormat.class)
    void aShardedWriteHoldsTheSameTensorsAndOneQuantizedMatrixAtATime(QuantFormat format, @TempDir Path dir)
            throws IOException {
        QuantizationPlan plan = QuantizationPlan.defaults(format);
        Path single = dir.resolve("single"), sharded = dir.resolve("sharded");
        GlintCheckpoint.Written one = GlintCheckpoint.write(GlmNanoEval.MODEL, single, plan,
                GlintCheckpoint.DEFAULT_SHARD_BYTES, 2, QuantizationProgress.NONE);
        GlintCheckpoint.Written many = GlintCheckpoint.write(GlmNanoEval.MODEL, sharded, plan, TINY_SHARD, 2,
                QuantizationProgress.NONE);
        assertEquals(List.of(Checkpoint.SINGLE_FILE), one.files());
        assertFalse(Files.exists(single.resolve(Checkpoint.INDEX_FILE)), "an index beside a single file");
        assertTrue(many.files().size() > 3, "shards of 64 KiB: " + many.files());
        assertEquals(Checkpoint.INDEX_FILE, many.files().getLast());
        assertFalse(Files.exists(sharded.resolve(Checkpoint.SINGLE_FILE)));
        assertEquals(one.tensorBytes(), many.tensorBytes());

        Map<String, String> weightMap = weightMap(sharded);
        try (Checkpoint a = Checkpoint.open(single); Checkpoint b = Checkpoint.open(sharded)) {
            assertEquals(a.names(), b.names(), "tensors of the sharded write");
            assertEquals(a.names(), weightMap.keySet(), "tensors the index maps");
            assertEquals(many.files().subList(0, many.files().size() - 1),
                    b.files().stream().map(file -> file.getFileName().toString()).toList());
            for (String name : a.names()) {
                Tensor x = a.tensor(name), y = b.tensor(name);
                assertEquals(x.dtype(), y.dtype(), name);
                assertArrayEquals(x.shape(), y.shape(), name);
                long differsAt = x.data().mismatch(y.data());
                assertEquals(-1, differsAt, name + " differs from byte " + differsAt);
                assertEquals(y.file().getFileName().toString(), weightMap.get(name), name);
            }
            Map<String, Long> bytesByShard = new TreeMap<>();
            Map<String, Integer> tensorsByShard = new TreeMap<>();
            for (String name : b.names()) {
                bytesByShard.merge(weightMap.get(name), b.tensor(name).byteSize(), Long::sum);
                tensorsByShard.merge(weightMap.get(name), 1, Integer::sum);
            }
            bytesByShard.forEach((shard, bytes) -> assertTrue(bytes <= TINY_SHARD || tensorsByShard.get(shard) == 1,
                    shard + " holds " + bytes + " bytes in " + tensorsByShard.get(shard) + " tensors; shards are "
                            + TINY_SHARD));
        }

        long largest = 0, sum = 0;
        try (Checkpoint source = Checkpoint.open(GlmNanoEval.MODEL)) {
            for (Tensor t : PlanQuantizer.selected(source, plan)) {
                long bytes = plan.formatFor(t.name()).orElseThrow().layout((int) t.dim(0), (int) t.dim(1)).stream()
                        .mapToLong(Quantized.Layout::byteSize).sum();
                largest = Math.max(largest, bytes);
                sum += bytes;
            }
        }
        System.out.printf("%s: %d files; quantized bytes held at most %d (single file %d); largest matrix %d, all %d%n",
                format.id(), many.files().size(), many.peakHeldBytes(), one.peakHeldBytes(), largest, sum);
        assertEquals(largest, many.peakHeldBytes(), "quantized bytes held at once, of " + sum + " in all");
        assertEquals(largest, one.peakHeldBytes(), "quantized bytes held at once writing one file");

        Set<String> listed = Manifest.read(sharded.resolve(Manifest.FILE_NAME)).sha256().keySet();
        assertTrue(listed.containsAll(many.files()), "sha256sums lists " + listed);
        assertEquals(List.of(), Manifest.read(sharded.resolve(Manifest.FILE_NAME)).verify(sharded, bytes -> { }));

        float[] atLoad, reloaded;
        try (Glm4Moe glm = Glm4Moe.load(GlmNanoEval.MODEL, 2, plan, QuantizationProgress.NONE)) {
            atLoad = GlintQuantizationTest.logits(glm);
        }
        try (Glm4Moe glm = Glm4Moe.load(sharded, 2)) {
            reloaded = GlintQuantizationTest.logits(glm);
        }
        double difference = 0;
        for (int i = 0; i < atLoad.length; i++) {
            difference = Math.max(difference, Math.abs(atLoad[i] - reloaded[i]));
        }
        assertTrue(difference < 1e-4, format.id() + ": logits of the sharded checkpoint differ by " + difference);
    }

    /** A run that fails partway, as a NaN in a late matrix makes it, leaves no folder behind, finished or not. */
    @Test
    void aFailedWriteLeavesNothingThatLoads(@TempDir Path dir) throws IOException {
        Path source = dir.resolve("source");
        Files.createDirectories(source);
        try (Stream<Path> files = Files.list(GlmNanoEval.MODEL)) {
            for (Path file : files.toList()) {
                Files.copy(file, source.resolve(file.getFileName()));
                source.resolve(file.getFileName()).toFile().setWritable(true);
            }
        }
        String late = "model.layers.3.mlp.experts.7.up_proj.weight";
        GlintQuantizationTest.rewrite(source, name -> true, Map.of(late, 3000L));
        Path out = dir.resolve("out");
        CheckpointException e = assertThrows(CheckpointException.class, () -> GlintCheckpoint.write(source, out,
                QuantizationPlan.defaults(QuantFormat.Q8), TINY_SHARD, 2, QuantizationProgress.NONE));
        assertTrue(e.getMessage().contains(late), e.getMessage());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of("source"), left.map(p -> p.getFileName().toString()).toList(), "left in " + dir);
        }
    }

    private static Map<String, String> weightMap(Path checkpoint) throws IOException {
        JsonNode index = new ObjectMapper().readTree(checkpoint.resolve(Checkpoint.INDEX_FILE).toFile());
        Map<String, String> weightMap = new TreeMap<>();
        index.get("weight_map").properties().forEach(entry -> weightMap.put(entry.getKey(), entry.getValue().asText()));
        assertTrue(index.at("/metadata/total_size").asLong() > 0, "total_size in " + index.get("metadata"));
        return weightMap;
    }

    private static TensorSpec randomF32(String name, int rows, int cols) {
        return new TensorSpec(name, DType.F32, new long[]{rows, cols}, target -> {
            SplittableRandom random = new SplittableRandom(name.hashCode());
            ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < (long) rows * cols; i++) {
                target.setAtIndex(f32, i, (float) random.nextGaussian() * 0.05f);
            }
        });
    }
}
