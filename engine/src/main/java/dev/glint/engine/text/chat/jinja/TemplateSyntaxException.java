package dev.glint.engine.text.chat.jinja;

/** The template text is not valid Jinja (for the subset Glint interprets). */
public final class TemplateSyntaxException extends TemplateException {
    public TemplateSyntaxException(String detail, int line) {
        super(detail, line);
    }

    @Override
    TemplateException at(int templateLine) {
        return line() > 0 ? this : new TemplateSyntaxException(detail(), templateLine);
    }
}
