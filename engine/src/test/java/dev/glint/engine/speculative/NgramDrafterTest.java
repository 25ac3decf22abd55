package dev.glint.engine.speculative;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NgramDrafterTest {

    @Test
    void theTokensAfterTheLatestEarlierOccurrenceOfTheLongestSuffixAreTheDraft() {
        int[] tokens = {5, 6, 7, 1, 2, 9, 9, 6, 7, 3, 4, 8, 8, 6, 7};
        // Suffix (6, 7) occurred at 1 and at 7; the latest is followed by 3, 4, 8, 8.
        assertArrayEquals(new int[]{3, 4, 8}, NgramDrafter.draft(tokens, tokens.length, 3));
        // A longer suffix wins over a later, shorter match: (9, 6, 7) occurred only at 6.
        int[] longer = {9, 6, 7, 1, 2, 6, 7, 5, 9, 6, 7};
        assertArrayEquals(new int[]{1, 2, 6, 7}, NgramDrafter.draft(longer, longer.length, 4));
    }

    @Test
    void aDraftStopsAtWhatIsKnownAndOnlyTheGivenLengthCounts() {
        int[] tokens = {1, 2, 3, 1, 2, 0, 0};
        assertArrayEquals(new int[]{3}, NgramDrafter.draft(tokens, 5, 1));
        assertArrayEquals(new int[]{3, 1, 2}, NgramDrafter.draft(tokens, 5, 8));
        // A run repeats itself: the occurrence may overlap the suffix.
        int[] run = {4, 4, 4, 4};
        assertArrayEquals(new int[]{4}, NgramDrafter.draft(run, run.length, 3));
    }

    @Test
    void noSuffixOfTwoOrMoreTokensThatOccurredBeforeMeansNoDraft() {
        assertArrayEquals(new int[0], NgramDrafter.draft(new int[]{1, 2, 3, 4, 5, 1}, 6, 4));
        assertArrayEquals(new int[0], NgramDrafter.draft(new int[]{7}, 1, 4));
        assertArrayEquals(new int[0], NgramDrafter.draft(new int[0], 0, 4));
    }

    @Test
    void speculationNamesItsDraftCount() {
        assertThrows(IllegalArgumentException.class, () -> Speculation.ngram(0));
        assertThrows(IllegalArgumentException.class, () -> new Speculation(Speculation.Method.MTP, 2));
    }
}
