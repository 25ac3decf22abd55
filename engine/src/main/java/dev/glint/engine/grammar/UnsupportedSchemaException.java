package dev.glint.engine.grammar;

/** A JSON schema uses a keyword (or a form of one) that the grammar compiler does not enforce. */
public final class UnsupportedSchemaException extends RuntimeException {
    private final String keyword;

    public UnsupportedSchemaException(String keyword, String where, String why) {
        super("the JSON schema keyword '" + keyword + "' at " + where + " is not supported: " + why);
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }
}
