package dev.glint.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glint.engine.grammar.GlmToolCallGrammar;
import dev.glint.engine.grammar.GrammarAutomaton;
import dev.glint.engine.grammar.GrammarConstraint;
import dev.glint.engine.grammar.TokenVocabulary;
import dev.glint.engine.sampling.TokenConstraint;
import dev.glint.engine.text.chat.ChatPrompt;
import dev.glint.engine.text.chat.ChatRequestException;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * One generation request as the engine sees it, whichever protocol it came in: the prompt's token ids, the text the
 * answer is made to start with, how the generated text is read back, and the decoding fields.
 *
 * @param promptIds      the prompt, tokenized
 * @param forced         text put in the assistant's mouth before it generates: the opening of a call that
 *                       tool_choice forces ("" for none); it is part of the prompt and read back as output
 * @param chat           how chat output is read (tools, whether it starts inside reasoning); null for raw text
 * @param params         sampling, max_tokens, stop strings, choices, streaming
 * @param clampMaxTokens whether a max_tokens beyond what the context leaves is cut to fit (Anthropic clients ask for
 *                       32K and more) instead of refused
 * @param grammar        what constrains the output, or null
 */
record GenerationJob(int[] promptIds, String forced, ChatReading chat, GenerationParams params, boolean clampMaxTokens,
                     OutputGrammar grammar) {

    /** GLM's opening of a tool call. */
    private static final String TOOL_CALL = "<tool_call>";

    /**
     * A grammar the output is held to: the whole answer (response_format), or only the tool calls in it (strict
     * tools), the first of which the prompt may already have opened ({@code opening}, as the grammar reads it).
     */
    record OutputGrammar(GrammarAutomaton automaton, boolean toolCallsOnly, byte[] opening) {
        /** One sequence's constraint, for a sequence of at most {@code maxTokens} tokens. */
        TokenConstraint constraint(TokenVocabulary vocabulary, int maxTokens) {
            if (!toolCallsOnly) {
                return new GrammarConstraint(automaton, vocabulary, maxTokens);
            }
            GrammarConstraint calls = GrammarConstraint.lazy(automaton, vocabulary, maxTokens);
            if (opening != null) {
                calls.startAfter(opening);
            }
            return calls;
        }
    }

    /** A raw prompt continued as raw text, its whole output held to params' grammar if it has one. */
    static GenerationJob text(int[] promptIds, GenerationParams params) {
        return new GenerationJob(promptIds, "", null, params, false,
                params.grammar() == null ? null : new OutputGrammar(params.grammar(), false, null));
    }

    /** How a chat answer's text is parsed into reasoning, content and tool calls. */
    record ChatReading(JsonNode tools, boolean startsInReasoning) {
    }

    /**
     * A chat request in the OpenAI shape the chat template reads (messages, tools, tool_choice, the thinking switch):
     * the protocol adapters translate their requests into this shape.
     */
    static GenerationJob chat(ServedModel served, JsonNode request, GenerationParams params, boolean clampMaxTokens) {
        served.limits().checkConversation(request);
        if (params.grammar() != null) {
            request = structured(request);
        } else if (served.thinking() != null) {
            request = withThinking(request, served.thinking());
        }
        ChatPrompt prompt = prompt(served, request);
        JsonNode choice = request.get("tool_choice");
        JsonNode tools = choice != null && choice.isTextual() && choice.textValue().equals("none") ? null : request.get("tools");
        String forced = forcedCall(choice, request.get("tools"), prompt.text());
        String text = prompt.text() + forced;
        GenerationParams decoding = params;
        OptionalInt think = served.tokenizer().id("<think>");
        if (thinkingClosed(text) && think.isPresent()) {
            // Thinking is off: a second think block is never wanted, though a model out of its depth may open one.
            Map<Integer, Float> bias = new HashMap<>(params.sampling().logitBias());
            bias.put(think.getAsInt(), -100f);
            decoding = params.withSampling(params.sampling().withLogitBias(bias));
        }
        return new GenerationJob(served.tokenizer().encode(text), forced, new ChatReading(tools, prompt.startsInReasoning()),
                decoding, clampMaxTokens, outputGrammar(served, params, tools, forced));
    }

    /**
     * The answer's grammar when response_format asks for one; else, when a tool is strict, the grammar of tool calls,
     * opened already by the {@code <tool_call>name} a forced call writes.
     */
    private static OutputGrammar outputGrammar(ServedModel served, GenerationParams params, JsonNode tools, String forced) {
        if (params.grammar() != null) {
            return new OutputGrammar(params.grammar(), false, null);
        }
        boolean strict = false;
        if (tools != null) {
            for (JsonNode tool : tools) {
                strict |= tool.path("function").path("strict").asBoolean(false);
            }
        }
        if (!strict) {
            return null;
        }
        byte[] opening = null;
        int opened = forced.indexOf(TOOL_CALL);
        if (opened >= 0) {
            byte[] name = forced.substring(opened + TOOL_CALL.length()).getBytes(StandardCharsets.UTF_8);
            opening = new byte[name.length + 1];
            opening[0] = (byte) (int) GlmToolCallGrammar.MARKUP.get(TOOL_CALL);
            System.arraycopy(name, 0, opening, 1, name.length);
        }
        return new OutputGrammar(served.toolCallGrammar(tools), true, opening);
    }

    /** Whether the assistant's turn opens with GLM's empty think block, which its template writes when thinking is off. */
    private static boolean thinkingClosed(String prompt) {
        int closed = prompt.lastIndexOf("<think></think>");
        return closed >= 0 && closed > prompt.lastIndexOf("<|assistant|>");
    }

    /**
     * A chat request whose answer a grammar constrains (this wins over {@code --thinking}): GLM answers at once (thinking off, the template pre-filling an
     * empty think block), since the grammar reads the answer from its first token; a forced tool call cannot be one.
     */
    private static JsonNode structured(JsonNode request) {
        JsonNode choice = request.path("tool_choice");
        if (choice.isObject() || choice.isTextual() && choice.textValue().equals("required")) {
            throw ApiException.badRequest("tool_choice", "a response_format that constrains the answer cannot go with a "
                    + "tool_choice that forces a tool call");
        }
        return withThinking(request, false);
    }

    /** The request with GLM's thinking switched on or off, whatever it asked. */
    private static JsonNode withThinking(JsonNode request, boolean on) {
        ObjectNode copy = ((ObjectNode) request).deepCopy();
        JsonNode kwargs = copy.path("chat_template_kwargs");
        (kwargs.isObject() ? (ObjectNode) kwargs : copy.putObject("chat_template_kwargs")).put("enable_thinking", on);
        return copy;
    }

    /** The request rendered through the model's chat template; a conversation the template refuses is a 400. */
    static ChatPrompt prompt(ServedModel served, JsonNode request) {
        try {
            return served.template().apply(request);
        } catch (ChatRequestException e) {
            throw ApiException.badRequest("messages", e.getMessage());
        }
    }

    /**
     * tool_choice: "auto" and "none" leave the model free; "required" and a named function open the call for it —
     * GLM writes {@code <tool_call>name} after its (here empty) think block — so the model only fills in the
     * name or the arguments.
     */
    private static String forcedCall(JsonNode choice, JsonNode tools, String prompt) {
        if (choice == null || choice.isNull() || choice.isTextual() && (choice.textValue().equals("auto") || choice.textValue().equals("none"))) {
            return "";
        }
        String name;
        if (choice.isTextual() && choice.textValue().equals("required")) {
            name = "";
        } else if (choice.isObject() && choice.path("function").path("name").isTextual()) {
            name = choice.path("function").path("name").textValue();
        } else {
            throw ApiException.badRequest("tool_choice", "tool_choice must be \"auto\", \"none\", \"required\" or "
                    + "{\"type\": \"function\", \"function\": {\"name\": ...}}, not " + choice);
        }
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            throw ApiException.badRequest("tool_choice", "tool_choice " + choice + " needs 'tools'");
        }
        boolean declared = false;
        for (JsonNode tool : tools) {
            declared |= tool.path("function").path("name").asText().equals(name);
        }
        if (!name.isEmpty() && !declared) {
            throw ApiException.badRequest("tool_choice", "tool_choice names '" + name + "', which is not among the tools");
        }
        String think = prompt.endsWith("</think>") ? "" : "\n<think></think>";
        return think + "\n" + TOOL_CALL + (name.isEmpty() ? "" : name + "\n");
    }
}
