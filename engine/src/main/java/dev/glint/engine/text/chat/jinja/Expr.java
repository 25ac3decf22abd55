package dev.glint.engine.text.chat.jinja;

import java.util.List;
import java.util.Map;

/** Jinja expressions. Every node keeps its template line for error messages. */
sealed interface Expr {
    int line();

    record Literal(Object value, int line) implements Expr { }

    record Name(String name, int line) implements Expr { }

    record ListLiteral(List<Expr> items, int line) implements Expr { }

    record TupleLiteral(List<Expr> items, int line) implements Expr { }

    record DictLiteral(List<Expr> keys, List<Expr> values, int line) implements Expr { }

    record Attribute(Expr target, String name, int line) implements Expr { }

    record Item(Expr target, Expr key, int line) implements Expr { }

    /** {@code target[start:stop:step]}; absent parts are null. */
    record Slice(Expr target, Expr start, Expr stop, Expr step, int line) implements Expr { }

    record Call(Expr callee, List<Expr> args, Map<String, Expr> kwargs, int line) implements Expr { }

    record Filter(Expr target, String name, List<Expr> args, Map<String, Expr> kwargs, int line) implements Expr { }

    record Test(Expr target, String name, List<Expr> args, boolean negated, int line) implements Expr { }

    record Unary(String operator, Expr operand, int line) implements Expr { }

    record Binary(String operator, Expr left, Expr right, int line) implements Expr { }

    /** A comparison chain such as {@code a < b <= c}. */
    record Compare(Expr first, List<String> operators, List<Expr> operands, int line) implements Expr { }

    /** {@code then if test else otherwise}; a missing else yields undefined. */
    record Conditional(Expr test, Expr then, Expr otherwise, int line) implements Expr { }
}
