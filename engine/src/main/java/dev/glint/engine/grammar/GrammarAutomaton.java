package dev.glint.engine.grammar;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a {@link Grammar} over bytes and says which tokens may come next. What has been read so far is a set of
 * parse stacks (persistent lists of positions, each stack's top a byte class still to match; the empty stack means
 * the input is a complete sentence), as llama.cpp's grammar sampler keeps them. Stacks and stack sets are interned,
 * so a set is a {@link State} whose byte transitions are computed once: the automaton becomes a DFA, built as the
 * output explores it. A state's token mask walks the vocabulary's byte trie through those transitions once and is
 * then cached, so a decoding step costs a lookup, not a vocabulary scan. Not thread-safe: one engine thread uses it.
 */
public final class GrammarAutomaton {
    private final Grammar grammar;
    private final TokenVocabulary vocabulary;
    private final Map<Stack, Stack> stacks = new HashMap<>();
    private final Map<List<Stack>, State> states = new HashMap<>();
    private final State dead = new State(new Stack[0], false);
    private final State start;

    public GrammarAutomaton(Grammar grammar, TokenVocabulary vocabulary) {
        this.grammar = grammar;
        this.vocabulary = vocabulary;
        Set<Stack> expanded = new LinkedHashSet<>();
        for (int alternative : grammar.alternatives[grammar.root]) {
            expand(intern(alternative, null), expanded);
        }
        this.start = state(expanded);
    }

    public State start() {
        return start;
    }

    /** The state after one more byte; {@link State#isDead()} when no sentence continues so. */
    public State next(State state, int b) {
        State next = state.transitions[b];
        if (next == null) {
            Set<Stack> expanded = new LinkedHashSet<>();
            for (Stack stack : state.stacks) {
                if (stack != null && grammar.classes[-grammar.elements[stack.position] - 1][b]) {
                    expand(advance(stack), expanded);
                }
            }
            next = expanded.isEmpty() ? dead : state(expanded);
            state.transitions[b] = next;
        }
        return next;
    }

    /** The state after a token's bytes. */
    public State next(State state, byte[] bytes) {
        for (int i = 0; i < bytes.length && !state.isDead(); i++) {
            state = next(state, bytes[i] & 0xFF);
        }
        return state;
    }

    /** The tokens that may come next: those whose bytes keep the output a prefix of a sentence, and end ids once it is one. */
    public BitSet allowed(State state) {
        if (state.mask == null) {
            BitSet mask = new BitSet(vocabulary.size());
            state.worstAfter = 0;
            collect(vocabulary.root(), state, mask, state);
            if (state.complete) {
                vocabulary.endIds().forEach(mask::set);
            }
            state.mask = mask;
        }
        return state.mask;
    }

    /** Marks the tokens under {@code node} that {@code state} (reached from {@code from}) lets through. */
    private void collect(TokenVocabulary.Node node, State state, BitSet mask, State from) {
        if (node.tokens().length > 0) {
            for (int token : node.tokens()) {
                mask.set(token);
            }
            from.worstAfter = Math.max(from.worstAfter, bytesToComplete(state));
        }
        byte[] bytes = node.childBytes();
        for (int i = 0; i < bytes.length; i++) {
            State next = next(state, bytes[i] & 0xFF);
            if (!next.isDead()) {
                collect(node.children()[i], next, mask, from);
            }
        }
    }

    /** The stack after its top byte class matched. */
    private Stack advance(Stack stack) {
        return intern(stack.position + 1, stack.parent);
    }

    /**
     * Expands a stack until its top is a byte class: an alternative's end returns to the parent, a rule reference
     * opens each of the rule's alternatives above the continuation. A continuation that is itself an end is left
     * out (a tail call), so right recursion does not deepen the stack. A null stack is a complete sentence.
     */
    private void expand(Stack stack, Set<Stack> out) {
        if (stack == null) {
            out.add(null);
            return;
        }
        int element = grammar.elements[stack.position];
        if (element == Grammar.END) {
            expand(stack.parent, out);
        } else if (element >= 0) {
            Stack continuation = grammar.elements[stack.position + 1] == Grammar.END ? stack.parent : advance(stack);
            for (int alternative : grammar.alternatives[element]) {
                expand(intern(alternative, continuation), out);
            }
        } else {
            out.add(stack);
        }
    }

    private Stack intern(int position, Stack parent) {
        Stack stack = new Stack(position, parent, stacks.size());
        Stack known = stacks.putIfAbsent(stack, stack);
        return known == null ? stack : known;
    }

    private State state(Set<Stack> expanded) {
        List<Stack> key = new ArrayList<>(expanded);
        key.sort((a, b) -> a == null ? (b == null ? 0 : -1) : b == null ? 1 : Integer.compare(a.id, b.id));
        State known = states.get(key);
        if (known == null) {
            known = new State(key.toArray(Stack[]::new), key.contains(null));
            states.put(key, known);
        }
        return known;
    }

    /**
     * The fewest bytes that make the output read so far a complete sentence (0 when it is one): the best of its
     * stacks, each finishing every frame's alternative the shortest way. Every byte is a token of a byte-level
     * vocabulary, so that many tokens always suffice.
     */
    public int bytesToComplete(State state) {
        if (state.distance < 0) {
            int best = Integer.MAX_VALUE;
            for (Stack stack : state.stacks) {
                best = Math.min(best, stack == null ? 0 : stack.bytesToComplete(grammar));
            }
            state.distance = best;
        }
        return state.distance;
    }

    /** The largest {@link #bytesToComplete} that one allowed token (other than an end id) can lead to. */
    public int worstBytesToCompleteAfter(State state) {
        allowed(state);
        return state.worstAfter;
    }

    /** A parse stack: a position and the stack to return to; interned, so parents compare by identity. */
    private static final class Stack {
        final int position;
        final Stack parent;
        final int id;

        /** -1 until computed. */
        private int bytesToComplete = -1;

        Stack(int position, Stack parent, int id) {
            this.position = position;
            this.parent = parent;
            this.id = id;
        }

        /** The rest of this frame's alternative, then of every frame below it. */
        int bytesToComplete(Grammar grammar) {
            if (bytesToComplete < 0) {
                int below = parent == null ? 0 : parent.bytesToComplete(grammar);
                bytesToComplete = (int) Math.min(Integer.MAX_VALUE / 2, (long) grammar.bytesToEnd[position] + below);
            }
            return bytesToComplete;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Stack stack && stack.position == position && stack.parent == parent;
        }

        @Override
        public int hashCode() {
            return 31 * position + (parent == null ? 0 : parent.id);
        }
    }

    /** A set of parse stacks: what the output read so far may still become. */
    public static final class State {
        private final Stack[] stacks;
        private final boolean complete;
        private final State[] transitions = new State[256];
        private BitSet mask;
        /** Bytes to a complete sentence; -1 until {@link #bytesToComplete} computes it. */
        private int distance = -1;
        private int worstAfter = -1;

        private State(Stack[] stacks, boolean complete) {
            this.stacks = stacks;
            this.complete = complete;
        }

        /** Whether the output read so far is a whole sentence of the grammar. */
        public boolean isComplete() {
            return complete;
        }

        /** Whether the output read so far is a complete sentence that nothing may follow. */
        public boolean isFinal() {
            return stacks.length == 1 && stacks[0] == null;
        }

        /** Whether no sentence starts with the output read so far. */
        public boolean isDead() {
            return stacks.length == 0;
        }

        @Override
        public String toString() {
            return "State(" + stacks.length + " stacks" + (complete ? ", complete)" : ")");
        }
    }
}
