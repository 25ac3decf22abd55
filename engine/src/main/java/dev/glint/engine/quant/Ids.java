package dev.glint.engine.quant;

import java.util.Arrays;
import java.util.function.Function;

/** Looks up the constant of an enum whose id (its name on the command line and in config.json) is given. */
final class Ids {
    private Ids() {
    }

    /** @throws IllegalArgumentException naming {@code where}, the {@code what} asked for and the ids there are */
    static <E> E parse(E[] values, Function<E, String> idOf, String id, String where, String what) {
        return Arrays.stream(values).filter(v -> idOf.apply(v).equals(id)).findFirst().orElseThrow(() ->
                new IllegalArgumentException(where + ": unknown " + what + " \"" + id + "\"; expected one of "
                        + Arrays.stream(values).map(idOf).toList()));
    }
}
