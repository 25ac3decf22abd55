package dev.glint.engine.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A context-free grammar over bytes, as the constrained decoder runs it: rules whose alternatives are sequences of
 * byte classes and references to rules. No rule may be left-recursive (repetition is written as right recursion).
 * The alternatives are laid out end to end as positions, each holding one element, with {@link #END} after the last
 * element of each alternative; a position's successor is the next index.
 */
public final class Grammar {
    /** The element after an alternative's last one. */
    static final int END = Integer.MIN_VALUE;

    /** Per position: a rule id (>= 0), a byte class as {@code -(class + 1)}, or {@link #END}. */
    final int[] elements;
    /** Per byte class: which bytes it matches. */
    final boolean[][] classes;
    /** Per rule: the first position of each alternative. */
    final int[][] alternatives;
    final int root;
    /** Per position: the fewest bytes that finish its alternative from there. */
    final int[] bytesToEnd;

    private Grammar(int[] elements, boolean[][] classes, int[][] alternatives, int root) {
        this.elements = elements;
        this.classes = classes;
        this.alternatives = alternatives;
        this.root = root;
        this.bytesToEnd = bytesToEnd();
    }

    /**
     * The shortest sentence of each rule, by fixed-point iteration (a rule's length is the least over its
     * alternatives of the sum of their elements'), then for each position the rest of its alternative.
     */
    private int[] bytesToEnd() {
        int unknown = Integer.MAX_VALUE / 4;
        int[] shortest = new int[alternatives.length];
        Arrays.fill(shortest, unknown);
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int rule = 0; rule < alternatives.length; rule++) {
                for (int start : alternatives[rule]) {
                    int length = 0;
                    for (int p = start; elements[p] != END; p++) {
                        length = Math.min(unknown, length + (elements[p] >= 0 ? shortest[elements[p]] : 1));
                    }
                    if (length < shortest[rule]) {
                        shortest[rule] = length;
                        changed = true;
                    }
                }
            }
        }
        int[] rest = new int[elements.length];
        for (int p = elements.length - 1; p >= 0; p--) {
            rest[p] = elements[p] == END ? 0 : Math.min(unknown, rest[p + 1] + (elements[p] >= 0 ? shortest[elements[p]] : 1));
        }
        return rest;
    }

    /** Builds a grammar rule by rule; a rule may be referred to before it is defined. */
    public static final class Builder {
        private final List<List<int[]>> rules = new ArrayList<>();
        private final List<boolean[]> classes = new ArrayList<>();

        /** A new rule without alternatives yet. */
        public int rule() {
            rules.add(new ArrayList<>());
            return rules.size() - 1;
        }

        /** Adds an alternative to {@code rule}: elements from {@link #ref}, {@link #bytes} and {@link #literal}. */
        public Builder alternative(int rule, int[]... parts) {
            rules.get(rule).add(sequence(parts));
            return this;
        }

        /** The parts one after the other. */
        public static int[] sequence(int[]... parts) {
            int length = 0;
            for (int[] part : parts) {
                length += part.length;
            }
            int[] sequence = new int[length];
            int at = 0;
            for (int[] part : parts) {
                System.arraycopy(part, 0, sequence, at, part.length);
                at += part.length;
            }
            return sequence;
        }

        /** A rule with the given alternatives. */
        public int rule(int[]... alternatives) {
            int rule = rule();
            for (int[] alternative : alternatives) {
                alternative(rule, alternative);
            }
            return rule;
        }

        public static int[] ref(int rule) {
            return new int[]{rule};
        }

        /** One byte out of a set. */
        public int[] bytes(boolean[] set) {
            for (int i = 0; i < classes.size(); i++) {
                if (Arrays.equals(classes.get(i), set)) {
                    return new int[]{-(i + 1)};
                }
            }
            classes.add(set.clone());
            return new int[]{-classes.size()};
        }

        /** One of the characters of {@code chars} (ASCII). */
        public int[] anyOf(String chars) {
            boolean[] set = new boolean[256];
            for (char c : chars.toCharArray()) {
                set[c] = true;
            }
            return bytes(set);
        }

        /** Exactly these bytes (the string's UTF-8). */
        public int[] literal(String text) {
            byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] sequence = new int[utf8.length];
            for (int i = 0; i < utf8.length; i++) {
                boolean[] set = new boolean[256];
                set[utf8[i] & 0xFF] = true;
                sequence[i] = bytes(set)[0];
            }
            return sequence;
        }

        public static int[] empty() {
            return new int[0];
        }

        public Grammar build(int root) {
            List<Integer> elements = new ArrayList<>();
            int[][] starts = new int[rules.size()][];
            for (int r = 0; r < rules.size(); r++) {
                List<int[]> alternatives = rules.get(r);
                if (alternatives.isEmpty()) {
                    throw new IllegalStateException("rule " + r + " has no alternatives");
                }
                starts[r] = new int[alternatives.size()];
                for (int a = 0; a < alternatives.size(); a++) {
                    starts[r][a] = elements.size();
                    for (int element : alternatives.get(a)) {
                        elements.add(element);
                    }
                    elements.add(END);
                }
            }
            return new Grammar(elements.stream().mapToInt(Integer::intValue).toArray(),
                    classes.toArray(boolean[][]::new), starts, root);
        }
    }
}
