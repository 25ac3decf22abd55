package dev.glint.engine.text.chat;

/**
 * A rendered prompt and the normalised request it came from.
 *
 * @param text  the exact text to tokenize (special tokens written out, as the template emits them)
 * @param input the normalised request: its tools type the parsed tool-call arguments
 */
public record ChatPrompt(String text, ChatInput input) {
    /**
     * Whether the model's first tokens continue a reasoning block the prompt opened. GLM-4.5's prompt never does
     * (the model writes {@code <think>} itself, or the prompt pre-fills {@code <think></think>}); templates that
     * end with an open {@code <think>} do.
     */
    public boolean startsInReasoning() {
        return text.lastIndexOf("<think>") > text.lastIndexOf("</think>");
    }
}
