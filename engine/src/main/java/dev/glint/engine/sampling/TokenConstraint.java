package dev.glint.engine.sampling;

/** Restricts which tokens a sequence may take next (a grammar, for structured output); one per sequence. */
public interface TokenConstraint {
    /** Sets the logits of the tokens that may not come next to negative infinity. */
    void mask(float[] logits, int vocab);

    /** Takes the token that was drawn. */
    void accept(int token);
}
