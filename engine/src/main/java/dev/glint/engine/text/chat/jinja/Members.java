package dev.glint.engine.text.chat.jinja;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code value.name} and {@code value[key]} with Jinja2's sandboxed lookup order: attribute first for
 * {@code .name} (so {@code d.items} is the dict method), item first for {@code [key]}; the Python methods of
 * {@code str}, {@code dict} and {@code list} that chat templates call, but none that mutate (the immutable
 * sandbox transformers renders in refuses those).
 */
final class Members {
    private static final Set<String> MUTATING_LIST_METHODS =
            Set.of("append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear");
    private static final Set<String> MUTATING_DICT_METHODS = Set.of("pop", "popitem", "update", "clear", "setdefault");

    private Members() {
    }

    static Object attribute(Object target, String name) {
        return switch (target) {
            case Undefined u -> throw u.error();
            case Map<?, ?> map -> {
                JinjaCallable method = dictMethod(map, name);
                if (method != null) {
                    yield method;
                }
                yield map.containsKey(name) ? map.get(name) : Undefined.attribute(target, name);
            }
            case String s -> {
                JinjaCallable method = stringMethod(s, name);
                yield method != null ? method : Undefined.attribute(target, name);
            }
            case List<?> list -> {
                JinjaCallable method = listMethod(list, name);
                yield method != null ? method : Undefined.attribute(target, name);
            }
            case Namespace ns -> ns.has(name) ? ns.get(name) : Undefined.attribute(target, name);
            case LoopContext loop -> loop.attribute(name);
            case null, default -> Undefined.attribute(target, name);
        };
    }

    static Object item(Object target, Object key) {
        return switch (target) {
            case Undefined u -> throw u.error();
            case Map<?, ?> map -> map.containsKey(key) ? map.get(key)
                    : key instanceof String name ? attribute(target, name) : Undefined.attribute(target, key);
            case List<?> list when key instanceof Long || key instanceof Boolean -> {
                long index = Py.toLong(key);
                long resolved = index < 0 ? list.size() + index : index;
                yield resolved >= 0 && resolved < list.size() ? list.get((int) resolved) : Undefined.attribute(target, key);
            }
            case String s when key instanceof Long || key instanceof Boolean -> {
                long count = s.codePointCount(0, s.length());
                long index = Py.toLong(key);
                long resolved = index < 0 ? count + index : index;
                if (resolved < 0 || resolved >= count) {
                    yield Undefined.attribute(target, key);
                }
                int offset = s.offsetByCodePoints(0, (int) resolved);
                yield Character.toString(s.codePointAt(offset));
            }
            case null, default -> key instanceof String name ? attribute(target, name) : Undefined.attribute(target, key);
        };
    }

    /** Python slicing of a list, tuple or string (by code point). */
    static Object slice(Object target, Object start, Object stop, Object step) {
        long stepValue = step == null ? 1 : Arguments.integer("slice", step);
        if (stepValue == 0) {
            throw new TemplateException("slice step cannot be zero", 0);
        }
        List<Object> items = switch (target) {
            case String s -> PyStrings.characters(s);
            case List<?> list -> new ArrayList<>(list);
            case Undefined u -> throw u.error();
            case null, default -> throw new TemplateException("'" + Py.typeName(target) + "' object is not subscriptable", 0);
        };
        int length = items.size();
        long first = bound(start, stepValue < 0 ? length - 1 : 0, length, stepValue);
        long last = bound(stop, stepValue < 0 ? -1 : length, length, stepValue);
        List<Object> picked = new ArrayList<>();
        for (long i = first; stepValue > 0 ? i < last : i > last; i += stepValue) {
            picked.add(items.get((int) i));
        }
        if (target instanceof String) {
            StringBuilder out = new StringBuilder();
            picked.forEach(c -> out.append((String) c));
            return out.toString();
        }
        return target instanceof PyTuple ? new PyTuple(picked) : picked;
    }

    private static long bound(Object value, long otherwise, int length, long step) {
        if (value == null) {
            return otherwise;
        }
        long index = Arguments.integer("slice", value);
        if (index < 0) {
            index += length;
            return index < 0 ? (step < 0 ? -1 : 0) : index;
        }
        return index >= length ? (step < 0 ? length - 1 : length) : index;
    }

    private static JinjaCallable dictMethod(Map<?, ?> map, String name) {
        return switch (name) {
            case "items" -> (args, kwargs) -> {
                Arguments.bind("items", args, kwargs);
                return items(map);
            };
            case "keys" -> (args, kwargs) -> {
                Arguments.bind("keys", args, kwargs);
                return new ArrayList<>(map.keySet());
            };
            case "values" -> (args, kwargs) -> {
                Arguments.bind("values", args, kwargs);
                return new ArrayList<>(map.values());
            };
            case "get" -> (args, kwargs) -> {
                Object[] a = Arguments.bind("get", args, kwargs, "key", Arguments.REQUIRED, "default", null);
                return map.containsKey(a[0]) ? map.get(a[0]) : a[1];
            };
            default -> MUTATING_DICT_METHODS.contains(name) ? unsafe("dict", name) : null;
        };
    }

    /** {@code dict.items()}: (key, value) tuples in insertion order. */
    static List<Object> items(Map<?, ?> map) {
        List<Object> items = new ArrayList<>();
        map.forEach((k, v) -> items.add(new PyTuple(Arrays.asList(k, v))));
        return items;
    }

    private static JinjaCallable listMethod(List<?> list, String name) {
        return switch (name) {
            case "index" -> (args, kwargs) -> {
                Object[] a = Arguments.bind("index", args, kwargs, "value", Arguments.REQUIRED);
                for (int i = 0; i < list.size(); i++) {
                    if (Py.equal(list.get(i), a[0])) {
                        return (long) i;
                    }
                }
                throw new TemplateException(Py.repr(a[0]) + " is not in list", 0);
            };
            case "count" -> (args, kwargs) -> {
                Object[] a = Arguments.bind("count", args, kwargs, "value", Arguments.REQUIRED);
                return list.stream().filter(x -> Py.equal(x, a[0])).count();
            };
            default -> MUTATING_LIST_METHODS.contains(name) ? unsafe(Py.typeName(list), name) : null;
        };
    }

    private static JinjaCallable unsafe(String type, String name) {
        return (args, kwargs) -> {
            throw new TemplateException("access to attribute '" + name + "' of '" + type + "' object is unsafe", 0);
        };
    }

    private static JinjaCallable stringMethod(String s, String name) {
        return switch (name) {
            case "startswith", "endswith" -> (args, kwargs) -> {
                Object[] a = Arguments.bind(name, args, kwargs, "prefix", Arguments.REQUIRED, "start", null, "end", null);
                String region = (String) slice(s, a[1], a[2], null);
                List<Object> options = a[0] instanceof List<?> l ? new ArrayList<>(l) : Arrays.asList(a[0]);
                for (Object option : options) {
                    String text = Arguments.string(name, option);
                    if (name.equals("startswith") ? region.startsWith(text) : region.endsWith(text)) {
                        return true;
                    }
                }
                return false;
            };
            case "strip", "lstrip", "rstrip" -> (args, kwargs) -> {
                Object[] a = Arguments.bind(name, args, kwargs, "chars", null);
                String chars = Arguments.optionalString(name, a[0]);
                return switch (name) {
                    case "strip" -> PyStrings.strip(s, chars);
                    case "lstrip" -> PyStrings.lstrip(s, chars);
                    default -> PyStrings.rstrip(s, chars);
                };
            };
            case "split", "rsplit" -> (args, kwargs) -> {
                Object[] a = Arguments.bind(name, args, kwargs, "sep", null, "maxsplit", -1L);
                String sep = Arguments.optionalString(name, a[0]);
                long max = Arguments.integer(name, a[1]);
                return name.equals("split") ? PyStrings.split(s, sep, max) : PyStrings.rsplit(s, sep, max);
            };
            case "splitlines" -> (args, kwargs) -> {
                Object[] a = Arguments.bind(name, args, kwargs, "keepends", false);
                List<Object> lines = new ArrayList<>();
                int start = 0;
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                            || c == 0x85 || c == 0x2028 || c == 0x2029) {
                        int end = c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? i + 2 : i + 1;
                        lines.add(s.substring(start, Py.truthy(a[0]) ? end : i));
                        start = end;
                        i = end - 1;
                    }
                }
                if (start < s.length()) {
                    lines.add(s.substring(start));
                }
                return lines;
            };
            case "replace" -> (args, kwargs) -> {
                Object[] a = Arguments.bind(name, args, kwargs, "old", Arguments.REQUIRED, "new", Arguments.REQUIRED,
                        "count", -1L);
                return replace(s, Arguments.string(name, a[0]), Arguments.string(name, a[1]), Arguments.integer(name, a[2]));
            };
            case "upper" -> noArguments(name, s::toUpperCase);
            case "lower" -> noArguments(name, s::toLowerCase);
            case "title" -> noArguments(name, () -> PyStrings.title(s));
            case "capitalize" -> noArguments(name, () -> PyStrings.capitalize(s));
            case "isdigit" -> noArguments(name, () -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit));
            case "isalpha" -> noArguments(name, () -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter));
            case "isalnum" -> noArguments(name, () -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit));
            case "isspace" -> noArguments(name, () -> !s.isEmpty() && PyStrings.isBlank(s, 0));
            case "islower" -> noArguments(name, () -> s.codePoints().anyMatch(Character::isLowerCase)
                    && s.codePoints().noneMatch(c -> Character.isUpperCase(c) || Character.isTitleCase(c)));
            case "isupper" -> noArguments(name, () -> s.codePoints().anyMatch(Character::isUpperCase)
                    && s.codePoints().noneMatch(c -> Character.isLowerCase(c) || Character.isTitleCase(c)));
            case "find", "rfind", "index", "rindex", "count" -> (args, kwargs) -> {
                Object[] a = Arguments.bind(name, args, kwargs, "sub", Arguments.REQUIRED, "start", null, "end", null);
                String sub = Arguments.string(name, a[0]);
                long offset = a[1] == null ? 0 : Py.toLong(a[1]) < 0
                        ? Math.max(0, s.codePointCount(0, s.length()) + Py.toLong(a[1])) : Py.toLong(a[1]);
                String region = (String) slice(s, a[1], a[2], null);
                if (name.equals("count")) {
                    return sub.isEmpty() ? region.codePointCount(0, region.length()) + 1L : occurrences(region, sub);
                }
                int at = name.startsWith("r") ? region.lastIndexOf(sub) : region.indexOf(sub);
                if (at < 0 && name.contains("index")) {
                    throw new TemplateException("substring not found", 0);
                }
                return at < 0 ? -1L : offset + region.codePointCount(0, at);
            };
            case "join" -> (args, kwargs) -> {
                Object[] a = Arguments.bind(name, args, kwargs, "iterable", Arguments.REQUIRED);
                StringBuilder out = new StringBuilder();
                List<Object> items = Py.iterate(a[0]);
                for (int i = 0; i < items.size(); i++) {
                    out.append(i > 0 ? s : "").append(Arguments.string("join", items.get(i)));
                }
                return out.toString();
            };
            default -> null;
        };
    }

    private static JinjaCallable noArguments(String name, Supplier<Object> body) {
        return (args, kwargs) -> {
            Arguments.bind(name, args, kwargs);
            return body.get();
        };
    }

    static String replace(String s, String old, String replacement, long count) {
        if (old.isEmpty()) {
            throw new TemplateException("replace() with an empty search string is not supported", 0);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (long n = 0; count < 0 || n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            from = at + old.length();
        }
        return out.append(s, from, s.length()).toString();
    }

    private static long occurrences(String s, String sub) {
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }
}
