package dev.glint.engine.text.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

/**
 * Finds added tokens in text the way Hugging Face's AddedVocabulary does: leftmost-longest, non-overlapping matches of
 * the tokens' patterns (an Aho-Corasick automaton there), then single_word, lstrip and rstrip applied to each.
 */
final class AddedTokenMatcher {
    private record Candidate(String pattern, AddedToken token) {
    }

    private final BitSet firstChars = new BitSet();
    /** Candidates by the first UTF-16 unit of their pattern, longest first. */
    private final Map<Character, Candidate[]> byFirstChar = new HashMap<>();

    /** {@code patternOf} gives the text to look for from a token's content. */
    AddedTokenMatcher(List<AddedToken> tokens, UnaryOperator<String> patternOf) {
        Map<Character, List<Candidate>> lists = new HashMap<>();
        for (AddedToken token : tokens) {
            String pattern = patternOf.apply(token.content());
            if (!pattern.isEmpty()) {
                lists.computeIfAbsent(pattern.charAt(0), c -> new ArrayList<>()).add(new Candidate(pattern, token));
                firstChars.set(pattern.charAt(0));
            }
        }
        lists.forEach((first, candidates) -> byFirstChar.put(first, candidates.stream()
                .sorted(Comparator.comparingInt((Candidate c) -> c.pattern().length()).reversed())
                .toArray(Candidate[]::new)));
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /**
     * Reports, in order, the stretches of {@code text} between added tokens to {@code gaps} and each token's id to
     * {@code tokens}. As in Hugging Face, the search resumes at the end of the matched pattern, not after the
     * whitespace rstrip swallowed, and a single_word match that is refused is skipped whole.
     */
    void split(String text, Consumer<String> gaps, IntConsumer tokens) {
        int length = text.length();
        int consumed = 0;
        int from = 0;
        while (true) {
            int at = from;
            Candidate match = null;
            while (at < length && (match = longestAt(text, at)) == null) {
                at++;
            }
            if (match == null) {
                break;
            }
            int start = at;
            int stop = at + match.pattern().length();
            from = stop;
            AddedToken token = match.token();
            if (token.singleWord() && (start > 0 && UnicodeClasses.isWordCharacter(text.codePointBefore(start))
                    || stop < length && UnicodeClasses.isWordCharacter(text.codePointAt(stop)))) {
                continue;
            }
            if (token.lstrip()) {
                while (start > 0 && UnicodeClasses.isWhiteSpace(text.charAt(start - 1))) {
                    start--;
                }
                start = Math.max(start, consumed);
            }
            if (token.rstrip()) {
                while (stop < length && UnicodeClasses.isWhiteSpace(text.charAt(stop))) {
                    stop++;
                }
            }
            if (consumed < start) {
                gaps.accept(text.substring(consumed, start));
            }
            tokens.accept(token.id());
            consumed = stop;
        }
        if (consumed < length) {
            gaps.accept(text.substring(consumed));
        }
    }

    private Candidate longestAt(String text, int at) {
        char first = text.charAt(at);
        if (!firstChars.get(first)) {
            return null;
        }
        for (Candidate candidate : byFirstChar.get(first)) {
            if (text.startsWith(candidate.pattern(), at)) {
                return candidate;
            }
        }
        return null;
    }
}
