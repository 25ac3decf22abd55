package dev.glint.engine.text.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Lossy UTF-8 decoding as Rust's from_utf8_lossy (the expected texts are Hugging Face's decodes of these bytes). */
class Utf8Test {
    private static String decode(byte[] bytes) {
        return Utf8.decode(bytes, bytes.length);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            ed a0 80,       fffd fffd fffd
            e0 80,          fffd fffd
            f0 80 80 80,    fffd fffd fffd fffd
            f4 90 80 80,    fffd fffd fffd fffd
            c0 80,          fffd fffd
            80,             fffd
            f0 9f 98,       fffd
            e2 82 41,       fffd 41
            f0 9f 98 80 80, 1f600 fffd
            c2,             fffd
            f5 80,          fffd fffd
            e1 80 e1 80 80, fffd 1000
            e2 82 ac 41,    20ac 41
            """)
    void eachMaximalIllFormedSubpartBecomesOneReplacementCharacter(String bytes, String codePoints) {
        StringBuilder expected = new StringBuilder();
        for (String cp : codePoints.split(" ")) {
            expected.appendCodePoint(Integer.parseInt(cp, 16));
        }
        assertEquals(expected.toString(), decode(HexFormat.ofDelimiter(" ").parseHex(bytes)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            41,          0
            c3,          1
            e2 82,       2
            f0 9f 98,    3
            f0 9f 98 80, 0
            e0 80,       0
            ed a0,       0
            f4 90,       0
            41 e2,       1
            80 80 80,    0
            c0,          0
            """)
    void onlyTheStartOfAWellFormedCharacterIsHeldBack(String bytes, int held) {
        byte[] b = HexFormat.ofDelimiter(" ").parseHex(bytes);
        assertEquals(held, Utf8.incompleteTail(b, b.length));
    }

    @Test
    void cuttingBeforeTheIncompleteTailNeverChangesTheText() {
        SplittableRandom random = new SplittableRandom(3);
        byte[] alphabet = HexFormat.ofDelimiter(" ").parseHex("41 20 7f 80 8f 90 9f a0 bf c0 c2 df e0 e1 ed ef f0 f1 f4 f5 ff");
        for (int round = 0; round < 2000; round++) {
            byte[] bytes = new byte[1 + random.nextInt(12)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = alphabet[random.nextInt(alphabet.length)];
            }
            for (int cut = 0; cut <= bytes.length; cut++) {
                int emitted = cut - Utf8.incompleteTail(bytes, cut);
                byte[] rest = Arrays.copyOfRange(bytes, emitted, bytes.length);
                assertEquals(decode(bytes), Utf8.decode(bytes, emitted) + decode(rest), HexFormat.of().formatHex(bytes) + " cut at " + cut);
            }
        }
    }
}
