package dev.glint.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.scheduler.TokenLogprobs;
import dev.glint.engine.text.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The log-probabilities of a choice's tokens not yet sent, in OpenAI's shapes: chat's {@code {"content": [{token,
 * logprob, bytes, top_logprobs}]}} or legacy completions' {@code {tokens, token_logprobs, top_logprobs, text_offset}}.
 */
final class Logprobs {
    private final Tokenizer tokenizer;
    private final boolean chat;
    private final List<TokenLogprobs> pending = new ArrayList<>();
    private int textOffset;

    Logprobs(Tokenizer tokenizer, boolean chat) {
        this.tokenizer = tokenizer;
        this.chat = chat;
    }

    void add(TokenLogprobs token) {
        pending.add(token);
    }

    /** The pending entries as JSON (empty lists when there are none), then forgets them. */
    ObjectNode drain() {
        ObjectNode node = chat ? chatJson() : completionJson();
        pending.clear();
        return node;
    }

    private ObjectNode chatJson() {
        ObjectNode node = Exchange.JSON.createObjectNode();
        ArrayNode content = node.putArray("content");
        for (TokenLogprobs token : pending) {
            ObjectNode entry = entry(token.token(), token.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            for (int i = 0; i < token.topTokens().length; i++) {
                top.add(entry(token.topTokens()[i], token.topLogprobs()[i]));
            }
            content.add(entry);
        }
        return node;
    }

    private ObjectNode entry(int id, float logprob) {
        byte[] bytes = tokenizer.bytes(id);
        ObjectNode entry = Exchange.JSON.createObjectNode();
        entry.put("token", new String(bytes, StandardCharsets.UTF_8));
        entry.put("logprob", logprob);
        ArrayNode array = entry.putArray("bytes");
        for (byte b : bytes) {
            array.add(b & 0xFF);
        }
        return entry;
    }

    private ObjectNode completionJson() {
        ObjectNode node = Exchange.JSON.createObjectNode();
        ArrayNode tokens = node.putArray("tokens");
        ArrayNode logprobs = node.putArray("token_logprobs");
        ArrayNode tops = node.putArray("top_logprobs");
        ArrayNode offsets = node.putArray("text_offset");
        for (TokenLogprobs token : pending) {
            String text = new String(tokenizer.bytes(token.token()), StandardCharsets.UTF_8);
            tokens.add(text);
            logprobs.add(token.logprob());
            ObjectNode top = tops.addObject();
            for (int i = 0; i < token.topTokens().length; i++) {
                top.put(new String(tokenizer.bytes(token.topTokens()[i]), StandardCharsets.UTF_8), token.topLogprobs()[i]);
            }
            offsets.add(textOffset);
            textOffset += text.length();
        }
        return node;
    }
}
