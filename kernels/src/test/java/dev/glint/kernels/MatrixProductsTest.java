package dev.glint.kernels;

import dev.glint.kernels.MatrixProducts.Activations;
import dev.glint.kernels.MatrixProducts.Product;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.glint.kernels.KernelAssertions.randomBf16;
import static dev.glint.kernels.KernelAssertions.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class MatrixProductsTest {
    private static Int4TileMatrix randomTiles(Arena arena, SplittableRandom random, int rows, int cols) {
        return Int4TileMatrix.pack(arena, rows, cols, (r, q, scales, mins) -> {
            for (int c = 0; c < cols; c++) {
                q[c] = (byte) random.nextInt(16);
            }
            for (int g = 0; g < scales.length; g++) {
                scales[g] = 0.0625f;
                mins[g] = -0.5f;
            }
        });
    }

    /**
     * With int8 activations the q4 tiles multiply the quantized input, whole tiles per chunk, and other formats its
     * floats; with float activations every product is the exact one. Rows that are not a multiple of a tile and
     * products sharing one input are both covered.
     */
    @Test
    void int8ActivationsReachOnlyTheMatricesWithAnIntegerKernel() {
        SplittableRandom random = new SplittableRandom(51);
        int cols = 256, n = 3;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            Int4TileMatrix gate = randomTiles(arena, random, 200, cols);
            Int4TileMatrix up = randomTiles(arena, random, 96, cols);
            Bf16Matrix router = new Bf16Matrix(randomBf16(arena, random, 40L * cols), 40, cols);
            float[] x = randomFloats(random, n * cols);
            for (Activations activations : Activations.values()) {
                List<Product> products = List.of(Product.of(gate, x, n), Product.of(up, x, n), Product.of(router, x, n));
                MatrixProducts.run(pool, products, activations);
                Int8Activations quantized = Int8Activations.quantize(x, n, cols);
                for (Product p : products) {
                    float[] expected = new float[n * p.w().rows()];
                    if (activations == Activations.INT8 && p.w() instanceof Int4TileMatrix tiles) {
                        tiles.matMul(quantized, expected, 0, tiles.rows());
                    } else {
                        p.w().matMul(x, n, expected, 0, p.w().rows());
                    }
                    assertArrayEquals(expected, p.out(), activations + " " + p.w().getClass().getSimpleName() + " "
                            + p.w().rows() + "x" + cols);
                }
            }
            float[] exact = new float[n * gate.rows()];
            float[] fast = new float[n * gate.rows()];
            gate.matMul(x, n, exact, 0, gate.rows());
            gate.matMul(Int8Activations.quantize(x, n, cols), fast, 0, gate.rows());
            assertFalse(Arrays.equals(exact, fast), "the two paths must differ for the test to mean anything");
        }
    }
}
