package dev.glint.engine.text.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glint.engine.text.chat.jinja.Template;
import dev.glint.engine.text.chat.jinja.TemplateException;
import dev.glint.engine.text.chat.jinja.TemplateRaisedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's own chat template, loaded from its checkpoint folder, never a hand-typed copy: the model was
 * trained on exactly what its template renders.
 */
public final class ChatTemplate {
    private static final List<String> SPECIAL_TOKENS =
            List.of("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token");

    private final Template defaultTemplate;
    private final Template toolTemplate;
    private final Map<String, String> specialTokens;

    private ChatTemplate(Template defaultTemplate, Template toolTemplate, Map<String, String> specialTokens) {
        this.defaultTemplate = defaultTemplate;
        this.toolTemplate = toolTemplate;
        this.specialTokens = Map.copyOf(specialTokens);
    }

    /**
     * Loads the template the way transformers finds it: {@code chat_template.jinja}, else
     * {@code chat_template.json}, else {@code tokenizer_config.json}'s {@code chat_template}, which may be a
     * list of named templates ({@code default}, and {@code tool_use} for requests that declare tools). Special
     * tokens such as {@code bos_token} come from {@code tokenizer_config.json}.
     *
     * @throws IOException when the folder has no chat template or its files cannot be read
     * @throws dev.glint.engine.text.chat.jinja.TemplateSyntaxException when the template does not parse
     */
    public static ChatTemplate load(Path modelDir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path config = modelDir.resolve("tokenizer_config.json");
        JsonNode tokenizerConfig = Files.isRegularFile(config) ? json.readTree(config.toFile()) : json.nullNode();
        Map<String, String> tokens = specialTokens(tokenizerConfig);
        Path jinja = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return of(Files.readString(jinja), tokens);
        }
        Path templateJson = modelDir.resolve("chat_template.json");
        JsonNode source = Files.isRegularFile(templateJson)
                ? json.readTree(templateJson.toFile()).get("chat_template") : tokenizerConfig.get("chat_template");
        if (source == null || source.isNull()) {
            throw new IOException("no chat template in " + modelDir
                    + " (looked for chat_template.jinja, chat_template.json and tokenizer_config.json)");
        }
        if (source.isTextual()) {
            return of(source.textValue(), tokens);
        }
        Map<String, String> named = new LinkedHashMap<>();
        for (JsonNode entry : source) {
            named.put(entry.path("name").asText(), entry.path("template").asText());
        }
        if (!named.containsKey("default")) {
            throw new IOException(modelDir + " has named chat templates " + named.keySet() + " but none called 'default'");
        }
        Template defaultTemplate = Template.parse(named.get("default"));
        Template toolTemplate = named.containsKey("tool_use") ? Template.parse(named.get("tool_use")) : defaultTemplate;
        return new ChatTemplate(defaultTemplate, toolTemplate, tokens);
    }

    /** A template from source text, with the special-token variables it may print. */
    public static ChatTemplate of(String source, Map<String, String> specialTokens) {
        Template template = Template.parse(source);
        return new ChatTemplate(template, template, specialTokens);
    }

    /**
     * Normalises an OpenAI chat request and renders it, ending with the assistant's turn opened unless the
     * request says {@code add_generation_prompt: false}.
     *
     * @throws ChatRequestException when the request is malformed or the template rejects the conversation
     */
    public ChatPrompt apply(JsonNode request) {
        ChatInput input = ChatRequestNormalizer.normalize(request);
        return new ChatPrompt(render(input), input);
    }

    /** Renders an already normalised request. */
    public String render(ChatInput input) {
        Template template = input.hasTools() ? toolTemplate : defaultTemplate;
        try {
            return template.render(input.variables(specialTokens));
        } catch (TemplateRaisedException e) {
            throw new ChatRequestException("the chat template rejected the conversation: " + e.detail(), e);
        } catch (TemplateException e) {
            throw new ChatRequestException("the chat template could not render the conversation: " + e.getMessage(), e);
        }
    }

    /** Renders with raw template variables, as transformers' {@code apply_chat_template} passes them. */
    public String render(Map<String, ?> variables) {
        Map<String, Object> all = new LinkedHashMap<>(specialTokens);
        all.putAll(variables);
        return defaultTemplate.render(all);
    }

    private static Map<String, String> specialTokens(JsonNode config) {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKENS) {
            JsonNode value = config.path(key);
            if (value.isTextual()) {
                tokens.put(key, value.textValue());
            } else if (value.path("content").isTextual()) {
                tokens.put(key, value.path("content").textValue());
            }
        }
        return tokens;
    }
}
