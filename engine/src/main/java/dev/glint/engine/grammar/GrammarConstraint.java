package dev.glint.engine.grammar;

import dev.glint.engine.sampling.TokenConstraint;

import java.util.BitSet;

/**
 * One sequence's place in a grammar: the tokens it allows next, and the state after each drawn token. It also
 * keeps the output completable within the sequence's token budget: once the budget left gets close to the bytes a
 * complete sentence still needs, only tokens after which the rest still fits are allowed, so a long string or list
 * is closed in time rather than cut off by max_tokens.
 */
public final class GrammarConstraint implements TokenConstraint {
    private final GrammarAutomaton automaton;
    private final TokenVocabulary vocabulary;
    private GrammarAutomaton.State state;
    private int tokensLeft;

    /** For a sequence that may generate {@code maxTokens} tokens. */
    public GrammarConstraint(GrammarAutomaton automaton, TokenVocabulary vocabulary, int maxTokens) {
        this.automaton = automaton;
        this.vocabulary = vocabulary;
        this.state = automaton.start();
        this.tokensLeft = maxTokens;
    }

    @Override
    public void mask(float[] logits, int vocab) {
        BitSet allowed = automaton.allowed(state);
        // After this token, tokensLeft - 1 remain, one byte each at the least.
        boolean tight = automaton.worstBytesToCompleteAfter(state) > tokensLeft - 1;
        for (int id = 0; id < vocab; id++) {
            if (!allowed.get(id) || tight && !fits(id)) {
                logits[id] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    private boolean fits(int token) {
        if (vocabulary.endIds().contains(token)) {
            return true;
        }
        GrammarAutomaton.State after = automaton.next(state, vocabulary.bytes(token));
        return !after.isDead() && automaton.bytesToComplete(after) <= tokensLeft - 1;
    }

    @Override
    public void accept(int token) {
        tokensLeft--;
        if (!vocabulary.endIds().contains(token)) {
            state = automaton.next(state, vocabulary.bytes(token));
        }
    }

    /** Whether the output so far is a complete sentence of the grammar. */
    public boolean isComplete() {
        return state.isComplete();
    }
}
