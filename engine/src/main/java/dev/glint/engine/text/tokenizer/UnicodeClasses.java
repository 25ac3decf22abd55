package dev.glint.engine.text.tokenizer;

/** The {@code \s} and {@code \w} of Rust's regex crate, which Hugging Face uses around added tokens. */
final class UnicodeClasses {
    private UnicodeClasses() {
    }

    /** Unicode White_Space; unlike {@link Character#isWhitespace} it includes no-break spaces and excludes U+001C-U+001F. */
    static boolean isWhiteSpace(int cp) {
        return cp >= 0x09 && cp <= 0x0D || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || cp >= 0x2000 && cp <= 0x200A || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** Alphabetic, a mark, a decimal digit, connector punctuation or a joiner (UTS #18's word character). */
    static boolean isWordCharacter(int cp) {
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D;
        };
    }
}
