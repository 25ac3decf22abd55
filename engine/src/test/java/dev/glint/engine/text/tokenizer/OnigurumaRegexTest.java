package dev.glint.engine.text.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java's regex engine made to match like Oniguruma, the engine of Hugging Face's Split pre-tokenizer; the expected
 * pieces of the split tests are what Hugging Face's tokenizers 0.23.2 cut.
 */
class OnigurumaRegexTest {
    private static boolean matchesWhole(String regex, String text) {
        Spans spans = OnigurumaRegex.compile(regex).find(text, false);
        return spans.size() == 1 && spans.match(0);
    }

    private static List<String> pieces(String regex, SplitBehavior behavior, boolean invert, String text) {
        List<String> out = new ArrayList<>();
        behavior.split(text, OnigurumaRegex.compile(regex).find(text, invert), out);
        return out;
    }

    @Test
    void whitespaceIsUnicodeWhiteSpace() {
        int[] whiteSpace = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
        for (int cp : whiteSpace) {
            assertTrue(matchesWhole("\\s", Character.toString(cp)), String.format("U+%04X is \\s", cp));
            assertTrue(UnicodeClasses.isWhiteSpace(cp), String.format("U+%04X is White_Space", cp));
        }
        for (int cp : new int[]{0x1C, 0x1F, 0x180E, 0x200B, 0xFEFF, 'a'}) {
            assertTrue(!matchesWhole("\\s", Character.toString(cp)), String.format("U+%04X is not \\s", cp));
            assertTrue(!UnicodeClasses.isWhiteSpace(cp), String.format("U+%04X is not White_Space", cp));
        }
    }

    @Test
    void lettersAndNumbersAreWholeUnicodeCategories() {
        for (int letter : new int[]{'a', 'ſ', 'ǅ', '中', 'ｶ', 0x1E5D0, 0x1C89, 0x2EBF0}) {
            assertTrue(matchesWhole("\\p{L}", Character.toString(letter)), String.format("U+%04X is \\p{L}", letter));
        }
        for (String number : new String[]{"7", "١", "Ⅻ", "½", "²", "①"}) {
            assertTrue(matchesWhole("\\p{N}", number), number + " is \\p{N}");
        }
    }

    @Test
    void caseInsensitiveGroupsFoldUnicodeCase() {
        assertTrue(matchesWhole("(?i:'s|'ll)", "'S"));
        assertTrue(matchesWhole("(?i:'s|'ll)", "'ſ"));
        assertTrue(matchesWhole("(?i:'s|'ll)", "'lL"));
        assertTrue(matchesWhole("(?i:k)", "\u212A"));
    }

    @Test
    void onigurumaEscapesAndFlagsAreRewritten() {
        assertTrue(matchesWhole("\\h+", "09afAF"));
        assertTrue(!matchesWhole("\\h", " "));
        assertTrue(matchesWhole("[x\\h]+", "xA0"));
        assertTrue(matchesWhole("\\v", "\u000B"));
        assertTrue(!matchesWhole("\\v", "\n"));
        assertTrue(matchesWhole("\\w+", "a_Ⓐ¹Ⅻé"));
        assertTrue(!matchesWhole("\\w", "\u200D"));
        assertTrue(matchesWhole("(?m:a.b)", "a\nb"));
        assertTrue(!matchesWhole("a.b", "a\nb"));
        assertTrue(matchesWhole("a.b", "a\rb"));
        assertEquals("(?i-s:x)\\\\h(?!y)", OnigurumaRegex.toJava("(?i-m:x)\\\\h(?!y)"));
    }

    @Test
    void lineAnchorsKnowOnlyLineFeeds() {
        assertEquals(List.of("\n", "b\r\n", "b\u2028a", "\n"), pieces("^a|b$", SplitBehavior.REMOVED, false, "ab\nab\r\nab\u2028ab\n"));
    }

    @ParameterizedTest(name = "{0} invert={1}")
    @CsvSource(delimiter = '|', textBlock = """
            REMOVED              | false | b,b, ,b         | 'x,x,yz '
            REMOVED              | true  | aa              | a,a,b,b,b,a
            ISOLATED             | false | b,aa,b, ,b      | x,a,a,b,x,b,b,yz ,a
            ISOLATED             | true  | b,aa,b, ,b      | x,a,a,b,x,b,b,yz ,a
            MERGED_WITH_PREVIOUS | false | baa,b, ,b       | xa,a,b,xb,b,yz a
            MERGED_WITH_PREVIOUS | true  | b,aab, ,b       | x,a,a,bx,b,byz ,a
            MERGED_WITH_NEXT     | false | b,aab, ,b       | x,a,a,bx,b,byz ,a
            MERGED_WITH_NEXT     | true  | baa,b, ,b       | xa,a,b,xb,b,yz a
            CONTIGUOUS           | false | b,aa,b, ,b      | x,aab,x,bb,yz ,a
            CONTIGUOUS           | true  | b,aa,b, ,b      | x,aab,x,bb,yz ,a
            """)
    void splitBehavioursCutLikeHuggingFaceIncludingEmptyMatches(SplitBehavior behavior, boolean invert, String emptyMatches, String alternation) {
        assertEquals(List.of(emptyMatches.split(",", -1)), pieces("a*", behavior, invert, "baab b"), "a* on 'baab b'");
        assertEquals(List.of(alternation.split(",", -1)), pieces("a|b", behavior, invert, "xaabxbbyz a"), "a|b on 'xaabxbbyz a'");
    }
}
