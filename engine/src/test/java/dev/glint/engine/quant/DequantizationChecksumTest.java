package dev.glint.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.checkpoint.Checkpoint;
import dev.glint.kernels.Matrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every linear weight of every quantized fixture, widened row by row, against the float64 sums and corner values the
 * fixtures' writer computed from its exact dequantization: pins a misread to one tensor without running the model.
 */
class DequantizationChecksumTest {

    @ParameterizedTest
    @ValueSource(strings = {"fp8-channel", "fp8-channel-subnormal", "fp8-block", "fp8-block-multi", "fp8-ct-block-multi",
            "int4-ct-g16", "int4-ct-g32", "int4-ct-g32-asym", "awq-g16", "awq-g32",
            "gptq-g16", "gptq-g32", "gptq-g32-actorder", "gptq-g32-v2"})
    void everyWeightDequantizesToTheWritersValues(String name) throws IOException {
        Path dir = Path.of("src/test/resources/fixtures/quant", name);
        JsonNode tensors = new ObjectMapper().readTree(dir.resolve("dequant_checksums.json").toFile()).get("tensors");
        try (Checkpoint checkpoint = Checkpoint.open(dir); MatrixReader reader = MatrixReader.open(checkpoint)) {
            for (Map.Entry<String, JsonNode> entry : tensors.properties()) {
                JsonNode expected = entry.getValue();
                int rows = expected.get("shape").get(0).intValue();
                int cols = expected.get("shape").get(1).intValue();
                check(name + " " + entry.getKey(), reader.read(entry.getKey(), rows, cols), expected);
            }
            System.out.printf("%s: %d weight matrices dequantize to the writer's values%n", name, tensors.size());
        }
    }

    private static void check(String what, Matrix w, JsonNode expected) {
        double sum = 0, sumAbs = 0, sumSq = 0;
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.loadRow(r, row);
            if (r == 0) {
                checkCorner(what + " w[0][0:4]", row, 0, expected.get("w[0][0:4]"));
            }
            if (r == w.rows() - 1) {
                checkCorner(what + " w[-1][-4:]", row, w.cols() - 4, expected.get("w[-1][-4:]"));
            }
            for (float v : row) {
                sum += v;
                sumAbs += Math.abs(v);
                sumSq += (double) v * v;
            }
        }
        double scale = expected.get("sum_abs").doubleValue();
        checkSum(what + " sum", sum, expected.get("sum").doubleValue(), scale);
        checkSum(what + " sum_abs", sumAbs, scale, scale);
        checkSum(what + " sum_sq", sumSq, expected.get("sum_sq").doubleValue(), expected.get("sum_sq").doubleValue());
    }

    /** The values are exact in F32, so only the order of a float64 summation separates the sums. */
    private static void checkSum(String what, double actual, double expected, double magnitude) {
        if (Math.abs(actual - expected) > 1e-12 * magnitude + 1e-300) {
            fail(String.format("%s is %.17g, the writer's dequantization gives %.17g", what, actual, expected));
        }
    }

    private static void checkCorner(String what, float[] row, int from, JsonNode expected) {
        for (int i = 0; i < 4; i++) {
            float want = (float) expected.get(i).doubleValue();
            if (row[from + i] != want) {
                fail(String.format("%s element %d is %s, the writer's dequantization gives %s", what, i, row[from + i], want));
            }
        }
    }
}
