package dev.glint.engine.text.output;

import java.util.List;

/**
 * Finds the earliest user-given stop string in streamed text, even when it spans pieces: text that could be
 * the start of a stop string is held back until it is known not to be one. The stop string itself is not
 * passed on.
 */
public final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private String matched;

    public StopMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** The part of the text seen so far that is certainly output; after a match, the text before the stop. */
    public String accept(String piece) {
        if (matched != null) {
            return "";
        }
        held.append(piece);
        int earliest = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
                matched = stop;
            }
        }
        if (earliest >= 0) {
            String out = held.substring(0, earliest);
            held.setLength(0);
            return out;
        }
        int keep = longestSuffixStartingAStop();
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** The text held back as a possible stop start, once the output has ended. */
    public String flush() {
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    /** The stop string that ended the output, or null. */
    public String matched() {
        return matched;
    }

    private int longestSuffixStartingAStop() {
        String text = held.toString();
        int longest = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, text.length()); n > longest; n--) {
                if (text.regionMatches(text.length() - n, stop, 0, n)) {
                    longest = n;
                    break;
                }
            }
        }
        return longest;
    }
}
