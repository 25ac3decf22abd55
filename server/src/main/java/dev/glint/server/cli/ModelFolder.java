package dev.glint.server.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --model}, taken by every command that reads a model: glm-nano, the embedded model, when it is not given. */
final class ModelFolder {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face model folder: config.json, *.safetensors, tokenizer and chat template "
                    + "(default: the embedded glm-nano, ${DEFAULT-VALUE}).")
    Path directory = EmbeddedModel.directory();
}
