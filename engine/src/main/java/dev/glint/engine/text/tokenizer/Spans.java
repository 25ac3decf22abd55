package dev.glint.engine.text.tokenizer;

import java.util.Arrays;

/** Stretches [start, end) of a text in order, each flagged as a pattern match or not. */
final class Spans {
    private int[] data = new int[3 * 16];
    private int size;

    void add(int start, int end, boolean match) {
        if (3 * size == data.length) {
            data = Arrays.copyOf(data, 2 * data.length);
        }
        data[3 * size] = start;
        data[3 * size + 1] = end;
        data[3 * size + 2] = match ? 1 : 0;
        size++;
    }

    int size() {
        return size;
    }

    int start(int i) {
        return data[3 * i];
    }

    int end(int i) {
        return data[3 * i + 1];
    }

    boolean match(int i) {
        return data[3 * i + 2] != 0;
    }
}
