package dev.glint.engine.text.chat.jinja;

/** A template that cannot be parsed, or that fails while rendering; the message names the template line. */
public class TemplateException extends RuntimeException {
    private final String detail;
    private final int line;

    public TemplateException(String detail, int line) {
        super(line > 0 ? detail + " (template line " + line + ")" : detail);
        this.detail = detail;
        this.line = line;
    }

    /** The error without its location. */
    public String detail() {
        return detail;
    }

    /** The 1-based template line the error was found at, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** The same error, placed at a line when the code that raised it did not know one. */
    TemplateException at(int templateLine) {
        return line > 0 ? this : new TemplateException(detail, templateLine);
    }
}
