package dev.glint.server.http;

import dev.glint.engine.scheduler.TokenSink.Usage;

import java.util.List;
import java.util.UUID;

/**
 * How one wire protocol shapes one request's answer. {@link #open} runs on the connection's event loop once every
 * choice is accepted; the other calls come from the engine thread, in the order the answer was generated.
 */
interface AnswerRenderer {
    /** A stream opens: headers and the protocol's opening events. Only for streamed requests. */
    void open();

    /** A piece of a choice's answer, already recorded in {@code answer}. Only for streamed requests. */
    void event(Answer answer, AnswerEvent event);

    /** A choice has finished; {@code answer} holds all of it. Only for streamed requests. */
    void finish(Answer answer);

    /** Every choice has finished: the stream's closing events, or the whole response. */
    void complete(List<Answer> answers, Usage usage);

    /** The request failed after it was accepted: an error event that ends the stream, or an error response. */
    void fail(ApiException error);

    /** The id a tool call is answered under; the protocols differ only in its prefix. */
    default String newToolCallId() {
        return randomId("call_", 24);
    }

    /** {@code prefix} and {@code hexDigits} (at most 32) random hex digits: the ids of responses, messages and calls. */
    static String randomId(String prefix, int hexDigits) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, hexDigits);
    }
}
