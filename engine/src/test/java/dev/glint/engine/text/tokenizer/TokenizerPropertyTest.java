package dev.glint.engine.text.tokenizer;

import dev.glint.engine.GlmNanoEval;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * glm-nano's tokenizer on random text: astral characters, combining marks, control characters, whitespace runs,
 * scripts the vocabulary barely covers and the model's own special-token texts, whole or cut short.
 */
class TokenizerPropertyTest {
    private static Tokenizer tokenizer;
    private static List<String> addedTokenTexts;

    @BeforeContainer
    static void load() throws IOException {
        tokenizer = Tokenizer.load(GlmNanoEval.MODEL);
        addedTokenTexts = IntStream.range(0, tokenizer.vocabSize()).filter(tokenizer::isAdded)
                .mapToObj(tokenizer::token).toList();
    }

    /** Byte-level BPE without a normalizer loses nothing: whatever Unicode text goes in comes back out. */
    @Property(tries = 1000)
    void unicodeTextEncodesToDefinedIdsAndDecodesBackExactly(@ForAll("unicodeText") String text) {
        int[] ids = tokenizer.encode(text);
        for (int id : ids) {
            assertTrue(tokenizer.token(id) != null, "id " + id + " has no token, in the ids of " + codeUnits(text));
        }
        assertEquals(codeUnits(text), codeUnits(tokenizer.decode(ids, false)), "decode(encode(text))");
        Statistics.label("with an added token").collect(IntStream.of(ids).anyMatch(tokenizer::isAdded));
        Statistics.label("with an astral character").collect(text.codePoints().anyMatch(Character::isSupplementaryCodePoint));
        Statistics.label("with a combining mark").collect(text.codePoints().anyMatch(c -> Character.getType(c) == Character.NON_SPACING_MARK));
        Statistics.label("with a control character").collect(text.codePoints().anyMatch(Character::isISOControl));
    }

    /** A lone surrogate is not Unicode text: the tokenizer refuses it by name rather than encode a guess. */
    @Property(tries = 1000)
    void anUnpairedSurrogateIsRefusedWithItsCodeUnit(@ForAll("unicodeTextWithALoneSurrogate") Tuple.Tuple2<String, Character> sample) {
        String text = sample.get1();
        char surrogate = sample.get2();
        TokenizerException refused = assertThrows(TokenizerException.class, () -> tokenizer.encode(text),
                "encoding " + codeUnits(text));
        assertTrue(refused.getMessage().contains(String.format("unpaired surrogate U+%04X", (int) surrogate)),
                refused.getMessage() + ", for " + codeUnits(text));
    }

    /** Any ids, defined or not, decode; token by token they give the same text as all at once. */
    @Property(tries = 1000)
    void anyIdsDecodeAndStreamingGivesTheSameText(@ForAll("anyIds") int[] ids, @ForAll boolean skipSpecialTokens) {
        StreamingDecoder decoder = tokenizer.streamingDecoder(skipSpecialTokens);
        StringBuilder streamed = new StringBuilder();
        for (int id : ids) {
            streamed.append(decoder.next(id));
        }
        streamed.append(decoder.flush());
        assertEquals(codeUnits(tokenizer.decode(ids, skipSpecialTokens)), codeUnits(streamed.toString()),
                "streamed and whole decoding of " + IntStream.of(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
    }

    @Provide
    Arbitrary<String> unicodeText() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().ascii().ofMaxLength(12)),
                Tuple.of(2, Arbitraries.strings().withChars(" \t\n\r\u000B\f\u0085\u00A0\u1680\u2000\u2028\u2029\u202F\u3000")
                        .ofMinLength(1).ofMaxLength(8)),
                Tuple.of(1, Arbitraries.strings().withCharRange('\u0000', '\u001F').withCharRange('\u007F', '\u009F')
                        .ofMinLength(1).ofMaxLength(4)),
                Tuple.of(2, Arbitraries.strings().withCharRange('\u0000', '\uD7FF').withCharRange('\uE000', '\uFFFF')
                        .ofMinLength(1).ofMaxLength(6)),
                Tuple.of(2, combiningSequences()),
                Tuple.of(2, astralCharacters()),
                Tuple.of(2, Arbitraries.strings().withCharRange('0', '9').withCharRange('\u0660', '\u0669')
                        .withCharRange('\uFF10', '\uFF19').ofMinLength(1).ofMaxLength(7)),
                Tuple.of(1, Arbitraries.of("'s", "'T", "'re", "'VE", "'m", "'Ll", "'d", "'")),
                Tuple.of(2, Arbitraries.of(addedTokenTexts)),
                Tuple.of(1, Arbitraries.of(addedTokenTexts).filter(t -> t.length() > 1)
                        .flatMap(t -> Arbitraries.integers().between(1, t.length() - 1).map(n -> t.substring(0, n)))))
                .list().ofMaxSize(12).map(pieces -> String.join("", pieces));
    }

    /** Letters of several scripts, each followed by combining marks (accents, enclosing marks, variation selectors). */
    private static Arbitrary<String> combiningSequences() {
        Arbitrary<String> base = Arbitraries.strings().withCharRange('a', 'z').withCharRange('\u0400', '\u04FF')
                .withCharRange('\u0900', '\u097F').withCharRange('\uAC00', '\uD7A3').ofLength(1);
        Arbitrary<String> marks = Arbitraries.strings().withCharRange('\u0300', '\u036F').withCharRange('\u20D0', '\u20FF')
                .withCharRange('\uFE00', '\uFE0F').ofMinLength(1).ofMaxLength(4);
        return Combinators.combine(base, marks).as(String::concat);
    }

    /** Characters past the BMP (emoji, CJK extensions, tags, private use planes), one surrogate pair each. */
    private static Arbitrary<String> astralCharacters() {
        return Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString)
                .list().ofMinSize(1).ofMaxSize(4).map(chars -> String.join("", chars));
    }

    /** Unicode text with one lone surrogate put between two of its characters, so that it pairs with neither. */
    @Provide
    Arbitrary<Tuple.Tuple2<String, Character>> unicodeTextWithALoneSurrogate() {
        Arbitrary<Character> surrogate = Arbitraries.chars().range(Character.MIN_SURROGATE, Character.MAX_SURROGATE);
        return Combinators.combine(unicodeText(), surrogate, Arbitraries.doubles().between(0, 1)).as((text, lone, where) -> {
            int at = text.offsetByCodePoints(0, (int) (where * text.codePointCount(0, text.length())));
            return Tuple.of(text.substring(0, at) + lone + text.substring(at), lone);
        });
    }

    /** Mostly defined ids, some past the tokenizer's (padding) and a few negative. */
    @Provide
    Arbitrary<int[]> anyIds() {
        return Arbitraries.frequencyOf(
                        Tuple.of(20, Arbitraries.integers().between(0, tokenizer.vocabSize() - 1)),
                        Tuple.of(1, Arbitraries.integers().between(tokenizer.vocabSize(), tokenizer.vocabSize() + 64)),
                        Tuple.of(1, Arbitraries.integers().between(Integer.MIN_VALUE, -1)))
                .array(int[].class).ofMaxSize(24);
    }

    /** The text as UTF-16 code units (U+0041 U+D83D U+DE00 ...), so that a failure shows what no terminal would. */
    private static String codeUnits(String text) {
        return text.chars().mapToObj(c -> String.format("U+%04X", c)).collect(Collectors.joining(" ", "[", "]"));
    }
}
