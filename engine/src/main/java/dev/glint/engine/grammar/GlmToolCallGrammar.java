package dev.glint.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.glint.engine.grammar.Grammar.Builder.empty;
import static dev.glint.engine.grammar.Grammar.Builder.ref;
import static dev.glint.engine.grammar.Grammar.Builder.sequence;

/**
 * The tool calls GLM writes, as a grammar: {@code <tool_call>name}, then per argument
 * {@code <arg_key>key</arg_key> <arg_value>value</arg_value>} (line breaks between them optional), then
 * {@code </tool_call>}. The markup words are added tokens, one token each; the vocabulary maps each to a byte that
 * never occurs in UTF-8 text ({@link #MARKUP}), so the grammar reads a markup token as one byte. A strict tool's
 * arguments follow its parameters schema: the declared properties in order, the required ones always, values typed
 * — strings raw, as the chat template writes them, other types as JSON; other tools' arguments are free text.
 */
public final class GlmToolCallGrammar {
    /** Markup token → the byte the grammar reads for it (0xF5 and up never occur in UTF-8). */
    public static final Map<String, Integer> MARKUP = Map.of("<tool_call>", 0xF5, "</tool_call>", 0xF6,
            "<arg_key>", 0xF7, "</arg_key>", 0xF8, "<arg_value>", 0xF9, "</arg_value>", 0xFA);

    /** A declared function; {@code strict} ones have their arguments held to {@code parameters}. */
    public record Tool(String name, JsonNode parameters, boolean strict) {
    }

    private GlmToolCallGrammar() {
    }

    /** One tool call to any of {@code tools}, from its opening markup to its closing one. */
    public static Grammar compile(List<Tool> tools) {
        Grammar.Builder g = new Grammar.Builder();
        int[] lineBreak = ref(g.rule(empty(), g.literal("\n")));
        int calls = g.rule();
        for (Tool tool : tools) {
            int arguments = tool.strict() ? strictArguments(g, tool, lineBreak) : freeArguments(g, lineBreak);
            g.alternative(calls, g.literal(tool.name()), lineBreak, ref(arguments));
        }
        return g.build(g.rule(sequence(markup(g, "<tool_call>"), ref(calls), markup(g, "</tool_call>"))));
    }

    private static int[] markup(Grammar.Builder g, String word) {
        boolean[] set = new boolean[256];
        set[MARKUP.get(word)] = true;
        return g.bytes(set);
    }

    private static int[] argument(Grammar.Builder g, int[] key, int value, int[] lineBreak) {
        return sequence(markup(g, "<arg_key>"), key, markup(g, "</arg_key>"), lineBreak,
                markup(g, "<arg_value>"), ref(value), markup(g, "</arg_value>"), lineBreak);
    }

    private static int strictArguments(Grammar.Builder g, Tool tool, int[] lineBreak) {
        JsonNode parameters = tool.parameters();
        String where = "tools[" + tool.name() + "].parameters";
        JsonSchemaGrammar values = new JsonSchemaGrammar(g, parameters);
        if (!parameters.path("type").asText("object").equals("object")) {
            throw new UnsupportedSchemaException("type", where, "a tool's parameters must be an object schema");
        }
        JsonNode properties = parameters.path("properties");
        Set<String> required = new HashSet<>();
        parameters.path("required").forEach(name -> required.add(name.asText()));
        List<String> names = new ArrayList<>();
        properties.fieldNames().forEachRemaining(names::add);
        int rest = g.rule(empty());
        for (int i = names.size() - 1; i >= 0; i--) {
            String name = names.get(i);
            JsonNode schema = properties.get(name);
            int raw = values.rawString(schema, where + "/properties/" + name);
            int value = raw >= 0 ? raw : values.value(schema, where + "/properties/" + name);
            int[] argument = sequence(argument(g, g.literal(name), value, lineBreak), ref(rest));
            rest = required.contains(name) ? g.rule(argument) : g.rule(argument, ref(rest));
        }
        return rest;
    }

    private static int freeArguments(Grammar.Builder g, int[] lineBreak) {
        boolean[] text = new boolean[256];
        for (int b = 0; b < 0xF5; b++) {
            text[b] = true;
        }
        int chunk = g.rule();
        g.alternative(chunk, empty()).alternative(chunk, g.bytes(text), ref(chunk));
        int arguments = g.rule();
        g.alternative(arguments, empty()).alternative(arguments, argument(g, ref(chunk), chunk, lineBreak), ref(arguments));
        return arguments;
    }
}
