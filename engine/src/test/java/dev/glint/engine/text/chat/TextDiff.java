package dev.glint.engine.text.chat;

import static org.junit.jupiter.api.Assertions.fail;

/** Asserts two prompts are byte-identical and, when not, shows where they first differ with escapes visible. */
final class TextDiff {
    private TextDiff() {
    }

    static void assertSameText(String expected, String actual, String label) {
        if (expected.equals(actual)) {
            return;
        }
        int at = 0;
        while (at < expected.length() && at < actual.length() && expected.charAt(at) == actual.charAt(at)) {
            at++;
        }
        int from = Math.max(0, at - 60);
        fail(label + ": first difference at char " + at + " (expected length " + expected.length() + ", actual "
                + actual.length() + ")\n  expected: ..." + escape(expected.substring(from, Math.min(expected.length(), at + 60)))
                + "\n  actual:   ..." + escape(actual.substring(from, Math.min(actual.length(), at + 60))));
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }
}
