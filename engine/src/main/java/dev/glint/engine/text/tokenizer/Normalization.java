package dev.glint.engine.text.tokenizer;

import java.text.Normalizer;
import java.util.List;

/** tokenizer.json's normalizer: none, or Unicode normalization forms applied in order (a Sequence of them). */
record Normalization(List<Normalizer.Form> forms) {
    static final Normalization NONE = new Normalization(List.of());

    String apply(String text) {
        for (Normalizer.Form form : forms) {
            if (!Normalizer.isNormalized(text, form)) {
                text = Normalizer.normalize(text, form);
            }
        }
        return text;
    }
}
