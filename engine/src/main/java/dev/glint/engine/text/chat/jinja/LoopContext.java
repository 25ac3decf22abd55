package dev.glint.engine.text.chat.jinja;

import java.util.List;

/** The {@code loop} variable inside a {@code for} body. */
final class LoopContext {
    private final List<Object> items;
    private int index0;

    LoopContext(List<Object> items) {
        this.items = items;
    }

    void advance(int position) {
        index0 = position;
    }

    long index() {
        return index0 + 1;
    }

    long length() {
        return items.size();
    }

    Object attribute(String name) {
        int size = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (size - index0);
            case "revindex0" -> (long) (size - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == size - 1;
            case "length" -> (long) size;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 < size - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle" -> (JinjaCallable) (args, kwargs) -> {
                if (args.isEmpty()) {
                    throw new TemplateException("no items for cycling given", 0);
                }
                return args.get(index0 % args.size());
            };
            default -> Undefined.attribute(this, name);
        };
    }
}
