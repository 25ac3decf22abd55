package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;

/**
 * One wire protocol: the POST paths it answers, how it turns a request there into a {@link GenerationJob} (or answers
 * it outright), and the shape of its errors. Adding a protocol means adding one of these to {@link RequestHandler}.
 */
interface WireProtocol {
    boolean answers(String path);

    /**
     * The top-level request fields this protocol reads or knowingly accepts; others are accepted too (as
     * llama-server and vLLM do) and counted in {@code /metrics}, so an operator sees what clients send in vain.
     */
    Set<String> fields();

    /** Serves a request whose body is a JSON object naming a model this server answers to. */
    void serve(String path, Exchange exchange, JsonNode body);

    /** An error in this protocol's shape; the status goes on the HTTP response. */
    ObjectNode errorBody(ApiException error);
}
