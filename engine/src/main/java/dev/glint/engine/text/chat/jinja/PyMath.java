package dev.glint.engine.text.chat.jinja;

import java.util.ArrayList;
import java.util.List;

/** Python's arithmetic operators on template values ({@code bool} counts as an integer, as in Python). */
final class PyMath {
    private PyMath() {
    }

    static Object add(Object a, Object b) {
        check(a, b);
        if (a instanceof String x && b instanceof String y) {
            return x + y;
        }
        if (a instanceof List<?> x && b instanceof List<?> y && (x instanceof PyTuple) == (y instanceof PyTuple)) {
            List<Object> joined = new ArrayList<>(x);
            joined.addAll(y);
            return x instanceof PyTuple ? new PyTuple(joined) : joined;
        }
        if (Py.isNumber(a) && Py.isNumber(b)) {
            return isFloat(a, b) ? (Object) (Py.toDouble(a) + Py.toDouble(b)) : Math.addExact(Py.toLong(a), Py.toLong(b));
        }
        throw unsupported("+", a, b);
    }

    static Object subtract(Object a, Object b) {
        numbers("-", a, b);
        return isFloat(a, b) ? (Object) (Py.toDouble(a) - Py.toDouble(b)) : Math.subtractExact(Py.toLong(a), Py.toLong(b));
    }

    static Object multiply(Object a, Object b) {
        check(a, b);
        if ((a instanceof String || a instanceof List) && b instanceof Long n) {
            return repeat(a, n);
        }
        if (a instanceof Long n && (b instanceof String || b instanceof List)) {
            return repeat(b, n);
        }
        numbers("*", a, b);
        return isFloat(a, b) ? (Object) (Py.toDouble(a) * Py.toDouble(b)) : Math.multiplyExact(Py.toLong(a), Py.toLong(b));
    }

    static Object divide(Object a, Object b) {
        numbers("/", a, b);
        if (Py.toDouble(b) == 0) {
            throw new TemplateException("division by zero", 0);
        }
        return Py.toDouble(a) / Py.toDouble(b);
    }

    static Object floorDivide(Object a, Object b) {
        numbers("//", a, b);
        if (Py.toDouble(b) == 0) {
            throw new TemplateException("integer division or modulo by zero", 0);
        }
        return isFloat(a, b) ? (Object) Math.floor(Py.toDouble(a) / Py.toDouble(b)) : Math.floorDiv(Py.toLong(a), Py.toLong(b));
    }

    static Object modulo(Object a, Object b) {
        numbers("%", a, b);
        if (Py.toDouble(b) == 0) {
            throw new TemplateException("integer division or modulo by zero", 0);
        }
        if (isFloat(a, b)) {
            double x = Py.toDouble(a);
            double y = Py.toDouble(b);
            return x - Math.floor(x / y) * y;
        }
        return Math.floorMod(Py.toLong(a), Py.toLong(b));
    }

    static Object power(Object a, Object b) {
        numbers("**", a, b);
        if (!isFloat(a, b) && Py.toLong(b) >= 0) {
            long result = 1;
            for (long i = 0, base = Py.toLong(a); i < Py.toLong(b); i++) {
                result = Math.multiplyExact(result, base);
            }
            return result;
        }
        return Math.pow(Py.toDouble(a), Py.toDouble(b));
    }

    static Object negate(Object a) {
        Py.undefinedToError(a);
        if (a instanceof Double d) {
            return -d;
        }
        if (Py.isNumber(a)) {
            return Math.negateExact(Py.toLong(a));
        }
        throw new TemplateException("bad operand type for unary -: '" + Py.typeName(a) + "'", 0);
    }

    private static Object repeat(Object sequence, long times) {
        if (sequence instanceof String s) {
            return s.repeat((int) Math.max(0, times));
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) {
            out.addAll((List<?>) sequence);
        }
        return out;
    }

    private static boolean isFloat(Object a, Object b) {
        return a instanceof Double || b instanceof Double;
    }

    private static void check(Object a, Object b) {
        Py.undefinedToError(a);
        Py.undefinedToError(b);
    }

    private static void numbers(String op, Object a, Object b) {
        check(a, b);
        if (!Py.isNumber(a) || !Py.isNumber(b)) {
            throw unsupported(op, a, b);
        }
    }

    private static TemplateException unsupported(String op, Object a, Object b) {
        return new TemplateException("unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '"
                + Py.typeName(b) + "'", 0);
    }
}
