package dev.glint.server.cli;

import dev.glint.engine.quant.QuantizationPlan;
import dev.glint.engine.speculative.Speculation;
import dev.glint.kernels.MatrixProducts.Activations;
import dev.glint.server.http.OpenAiServer;
import dev.glint.server.http.ServedModel;
import dev.glint.server.http.ServerLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", description = "Serves the model over an OpenAI-compatible HTTP API (glm-nano when no --model is given).")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelFolder model;

    @Option(names = "--host", paramLabel = "HOST", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on, 0 for any free one (default ${DEFAULT-VALUE}).")
    int port = 8080;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require this key (Authorization: Bearer KEY or x-api-key).")
    String apiKey;

    @Option(names = "--ctx", paramLabel = "N", description = "Longest sequence (prompt + max_tokens), and the KV pool's size "
            + "unless --kv-pool-tokens says otherwise (default: the model's maximum).")
    Integer ctx;

    @Mixin
    KvOptions kv;

    @Option(names = "--parallel", paramLabel = "N", description = "Sequences generated at once (default ${DEFAULT-VALUE}).")
    int parallel = 8;

    @Option(names = "--queue", paramLabel = "N", description = "Requests that may wait for a slot (default ${DEFAULT-VALUE}).")
    int queue = 64;

    @Option(names = "--prefill-chunk", paramLabel = "N", description = "Prompt tokens per engine step (default ${DEFAULT-VALUE}).")
    int prefillChunk = 512;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads for the kernels (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--served-model-name", paramLabel = "NAME[,ALIAS...]",
            description = "Model id clients use (default: the folder name); further comma-separated names are answered "
                    + "too, * matching any characters (glm-4.5-air,claude-* serves Claude Code's main and background models).")
    String servedModelName;

    @Option(names = "--activations", paramLabel = "TYPE",
            description = "What quantized weights multiply: int8 (activations quantized per block of 32, integer "
                    + "products: the fast path, as llama.cpp's quantized formats) or float (every product exact). "
                    + "Default: ${DEFAULT-VALUE}.")
    Activations activations = Activations.INT8;

    @Option(names = "--thinking", paramLabel = "MODE",
            description = "GLM's thinking: request (each request's switch, else the template's default), on or off for "
                    + "every request whatever it asks — off for clients that always ask for thinking, such as Claude Code "
                    + "(llama-server's --reasoning-budget 0). Default: request.")
    ThinkingMode thinking = ThinkingMode.REQUEST;

    enum ThinkingMode {
        REQUEST, ON, OFF;

        Boolean forced() {
            return this == REQUEST ? null : this == ON;
        }
    }

    @Mixin
    QuantizeOptions quantize;

    @Mixin
    LimitOptions limits;

    @Mixin
    SpeculationOptions speculation;

    @Mixin
    PagingOptions paging;

    @Override
    public Integer call() throws InterruptedException {
        QuantizationPlan plan = quantize.plan();
        ServedModel served = ServedModel.load(model.directory, new ServedModel.Options(servedModelName, threads, ctx, parallel,
                prefillChunk, queue, kv.type(), kv.poolTokens, kv.limit(), activations, thinking.forced(), limits.request(),
                speculation.speculation()), plan,
                QuantizationProgressBar.quantizing(plan));
        OpenAiServer server;
        try {
            paging.apply(served.model(), served.plan().totalBytes());
            server = OpenAiServer.start(served, host, port, apiKey, limits.http(), ServerLog.stderr());
        } catch (RuntimeException | InterruptedException e) {
            served.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            served.close();
            stopped.countDown();
        }, "glint-shutdown"));
        System.out.println(served.plan().describe());
        Speculation speculative = served.scheduler().speculation();
        System.out.printf("glint serving %s at http://%s:%d/v1 (context %d, %d parallel, %d threads, speculative %s)%n",
                served.name(), host, server.port(), served.scheduler().contextLength(), parallel, threads,
                speculative.drafts() ? speculative.method().name().toLowerCase(Locale.ROOT) + " (" + speculative.draftTokens() + " per step)" : "none");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
