package dev.glint.engine.text.chat.jinja;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The global functions a chat template can call: Jinja2's and the two transformers adds. */
final class Globals {
    /** Jinja2's sandbox refuses larger ranges; so does Glint. */
    private static final long MAX_RANGE = 100_000;

    /** The functions, which hold no state, so every render shares them. */
    static final Map<String, Object> ALL = all();

    private Globals() {
    }

    private static Map<String, Object> all() {
        Map<String, Object> globals = new LinkedHashMap<>();
        globals.put("range", (JinjaCallable) Globals::range);
        globals.put("namespace", (JinjaCallable) (args, kwargs) -> {
            Map<String, Object> initial = new LinkedHashMap<>();
            for (Object arg : args) {
                if (!(arg instanceof Map<?, ?> map)) {
                    throw new TemplateException("namespace() takes a mapping and keyword arguments", 0);
                }
                map.forEach((k, v) -> initial.put(Py.str(k), v));
            }
            initial.putAll(kwargs);
            return new Namespace(initial);
        });
        globals.put("dict", (JinjaCallable) (args, kwargs) -> {
            Map<String, Object> dict = new LinkedHashMap<>();
            for (Object arg : args) {
                if (!(arg instanceof Map<?, ?> map)) {
                    throw new TemplateException("dict() takes a mapping and keyword arguments", 0);
                }
                map.forEach((k, v) -> dict.put(Py.str(k), v));
            }
            dict.putAll(kwargs);
            return dict;
        });
        globals.put("raise_exception", (JinjaCallable) (args, kwargs) -> {
            Object[] a = Arguments.bind("raise_exception", args, kwargs, "message", Arguments.REQUIRED);
            throw new TemplateRaisedException(Py.str(a[0]), 0);
        });
        globals.put("strftime_now", (JinjaCallable) (args, kwargs) -> {
            Object[] a = Arguments.bind("strftime_now", args, kwargs, "format", Arguments.REQUIRED);
            return strftime(LocalDateTime.now(), Arguments.string("strftime_now", a[0]));
        });
        return Map.copyOf(globals);
    }

    private static Object range(List<Object> args, Map<String, Object> kwargs) {
        Arguments.bind("range", List.of(), kwargs);
        long start = 0;
        long stop;
        long step = 1;
        switch (args.size()) {
            case 1 -> stop = Arguments.integer("range", args.get(0));
            case 2, 3 -> {
                start = Arguments.integer("range", args.get(0));
                stop = Arguments.integer("range", args.get(1));
                if (args.size() == 3) {
                    step = Arguments.integer("range", args.get(2));
                }
            }
            default -> throw new TemplateException("range() takes 1 to 3 arguments", 0);
        }
        if (step == 0) {
            throw new TemplateException("range() arg 3 must not be zero", 0);
        }
        List<Object> values = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (values.size() >= MAX_RANGE) {
                throw new TemplateException("range too big, the sandbox allows at most " + MAX_RANGE + " items", 0);
            }
            values.add(i);
        }
        return values;
    }

    /** Python's strftime for the directives chat templates use to print today's date. */
    static String strftime(LocalDateTime time, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            String pattern = switch (directive) {
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'm' -> "MM";
                case 'd' -> "dd";
                case 'H' -> "HH";
                case 'I' -> "hh";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'p' -> "a";
                case 'B' -> "MMMM";
                case 'b' -> "MMM";
                case 'A' -> "EEEE";
                case 'a' -> "EEE";
                case 'j' -> "DDD";
                default -> null;
            };
            if (pattern != null) {
                out.append(time.format(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH)));
            } else if (directive == '%') {
                out.append('%');
            } else {
                out.append('%').append(directive);
            }
        }
        return out.toString();
    }
}
