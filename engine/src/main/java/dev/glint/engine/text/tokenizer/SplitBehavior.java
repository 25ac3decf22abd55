package dev.glint.engine.text.tokenizer;

import java.util.List;

/** What a Split pre-tokenizer does with the stretches its pattern matched, as Hugging Face's SplitDelimiterBehavior. */
enum SplitBehavior {
    REMOVED("Removed"),
    ISOLATED("Isolated"),
    MERGED_WITH_PREVIOUS("MergedWithPrevious"),
    MERGED_WITH_NEXT("MergedWithNext"),
    CONTIGUOUS("Contiguous");

    final String jsonName;

    SplitBehavior(String jsonName) {
        this.jsonName = jsonName;
    }

    /** Cuts {@code text} into its pieces for {@code spans} (which cover it in order); empty pieces are dropped. */
    void split(String text, Spans spans, List<String> out) {
        switch (this) {
            case ISOLATED -> {
                for (int i = 0; i < spans.size(); i++) {
                    add(text, spans.start(i), spans.end(i), out);
                }
            }
            case REMOVED -> {
                for (int i = 0; i < spans.size(); i++) {
                    if (!spans.match(i)) {
                        add(text, spans.start(i), spans.end(i), out);
                    }
                }
            }
            case CONTIGUOUS, MERGED_WITH_PREVIOUS -> joinForward(text, spans, out);
            case MERGED_WITH_NEXT -> joinBackward(text, spans, out);
        }
    }

    /** Contiguous joins a span to the piece before when both match or both do not; MergedWithPrevious when it matches and that one did not. */
    private void joinForward(String text, Spans spans, List<String> out) {
        int start = 0;
        int end = 0;
        boolean previousMatch = false;
        for (int i = 0; i < spans.size(); i++) {
            boolean match = spans.match(i);
            boolean join = this == CONTIGUOUS ? match == previousMatch : match && !previousMatch;
            if (i > 0 && join) {
                end = spans.end(i);
            } else {
                if (i > 0) {
                    add(text, start, end, out);
                }
                start = spans.start(i);
                end = spans.end(i);
            }
            previousMatch = match;
        }
        if (spans.size() > 0) {
            add(text, start, end, out);
        }
    }

    /** MergedWithNext joins a matching span to the piece after it unless that one matched too, deciding from the end. */
    private static void joinBackward(String text, Spans spans, List<String> out) {
        Spans pieces = new Spans();
        int start = 0;
        int end = 0;
        boolean previousMatch = false;
        for (int i = spans.size() - 1; i >= 0; i--) {
            boolean match = spans.match(i);
            if (i < spans.size() - 1 && match && !previousMatch) {
                start = spans.start(i);
            } else {
                if (i < spans.size() - 1) {
                    pieces.add(start, end, false);
                }
                start = spans.start(i);
                end = spans.end(i);
            }
            previousMatch = match;
        }
        if (spans.size() > 0) {
            pieces.add(start, end, false);
        }
        for (int i = pieces.size() - 1; i >= 0; i--) {
            add(text, pieces.start(i), pieces.end(i), out);
        }
    }

    private static void add(String text, int start, int end, List<String> out) {
        if (end > start) {
            out.add(text.substring(start, end));
        }
    }
}
