package dev.glint.engine.text.chat.jinja;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;

/** A Python tuple: an immutable list that prints with parentheses. */
final class PyTuple extends AbstractList<Object> {
    private final List<Object> items;

    PyTuple(List<Object> items) {
        this.items = new ArrayList<>(items);
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
