package dev.glint.engine.text.chat.jinja;

/**
 * The template itself called {@code raise_exception(message)}: chat templates use it to reject conversations
 * they cannot render, so {@link #detail()} is meant for whoever sent the conversation and is kept verbatim.
 */
public final class TemplateRaisedException extends TemplateException {
    public TemplateRaisedException(String templateMessage, int line) {
        super(templateMessage, line);
    }

    @Override
    TemplateException at(int templateLine) {
        return line() > 0 ? this : new TemplateRaisedException(detail(), templateLine);
    }
}
