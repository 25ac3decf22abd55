package dev.glint.engine.quant;

import dev.glint.kernels.Matrix;

import java.util.List;

/** A checkpoint without {@code quantization_config}: every matrix is a plain float tensor. */
record NoQuantization() implements QuantizationScheme {

    @Override
    public String describe() {
        return "no quantization_config";
    }

    @Override
    public String exclusion(String module) {
        return null;
    }

    @Override
    public List<String> markers() {
        return List.of();
    }

    @Override
    public Matrix read(Module module) {
        throw new IllegalStateException("a checkpoint without quantization_config has no quantized module " + module.name());
    }
}
