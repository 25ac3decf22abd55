package dev.glint.engine.text.tokenizer;

import java.util.List;

/** One step of tokenizer.json's {@code pre_tokenizer}: cuts a piece of text into the finer pieces the next step gets. */
interface PreTokenizer {
    void split(String piece, List<String> out);
}
