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
    private final boolean lazy;
    private GrammarAutomaton.State state;
    private boolean active;
    private int tokensLeft;
    /** Bytes the output starts after, applied at first use: automata are shared and run on the engine thread only. */
    private byte[] opening;

    /** For a sequence that may generate {@code maxTokens} tokens, every one of them a part of the grammar's sentence. */
    public GrammarConstraint(GrammarAutomaton automaton, TokenVocabulary vocabulary, int maxTokens) {
        this(automaton, vocabulary, maxTokens, false);
    }

    private GrammarConstraint(GrammarAutomaton automaton, TokenVocabulary vocabulary, int maxTokens, boolean lazy) {
        this.automaton = automaton;
        this.vocabulary = vocabulary;
        this.state = automaton.start();
        this.tokensLeft = maxTokens;
        this.lazy = lazy;
        this.active = !lazy;
    }

    /**
     * A grammar that holds only between a sentence's first token and its end, any number of times: free text until
     * a token starts a sentence (GLM's {@code <tool_call>}), constrained until the sentence is complete, free again.
     */
    public static GrammarConstraint lazy(GrammarAutomaton automaton, TokenVocabulary vocabulary, int maxTokens) {
        return new GrammarConstraint(automaton, vocabulary, maxTokens, true);
    }

    /** Starts the output inside a sentence that {@code prefix} opened (a tool call the prompt forced). */
    public void startAfter(byte[] prefix) {
        opening = prefix.clone();
    }

    private void open() {
        if (opening != null) {
            GrammarAutomaton.State opened = automaton.next(automaton.start(), opening);
            if (!opened.isDead()) {
                state = opened;
                active = true;
            }
            opening = null;
        }
    }

    @Override
    public void mask(float[] logits, int vocab) {
        open();
        if (!active) {
            return;
        }
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
        open();
        tokensLeft--;
        if (vocabulary.endIds().contains(token)) {
            return;
        }
        if (!active) {
            GrammarAutomaton.State opened = automaton.next(automaton.start(), vocabulary.bytes(token));
            if (vocabulary.bytes(token).length > 0 && !opened.isDead()) {
                state = opened;
                active = true;
            }
            return;
        }
        state = automaton.next(state, vocabulary.bytes(token));
        if (lazy && state.isFinal()) {
            state = automaton.start();
            active = false;
        }
    }

    /** Whether the output so far is a complete sentence of the grammar. */
    public boolean isComplete() {
        return state.isComplete();
    }
}
