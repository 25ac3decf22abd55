package dev.glint.engine.text.chat.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Executes a parsed template against one set of variables. One instance per render; not thread-safe. */
final class Renderer {
    /** Deep enough for any real template's macros, shallow enough to stop a runaway one before the stack does. */
    private static final int MAX_MACRO_DEPTH = 64;

    private enum Flow { NORMAL, BREAK, CONTINUE }

    private int macroDepth;

    String render(List<Node> template, Map<String, Object> globals, Map<String, Object> variables) {
        Scope root = new Scope(null);
        globals.forEach(root::set);
        Scope scope = new Scope(root);
        variables.forEach(scope::set);
        StringBuilder out = new StringBuilder();
        execute(template, scope, out);
        return out.toString();
    }

    private Flow execute(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node node : nodes) {
            Flow flow = execute(node, scope, out);
            if (flow != Flow.NORMAL) {
                return flow;
            }
        }
        return Flow.NORMAL;
    }

    private Flow execute(Node node, Scope scope, StringBuilder out) {
        switch (node) {
            case Node.Text text -> out.append(text.text());
            case Node.Print print -> out.append(Py.str(located(print.value(), scope)));
            case Node.If branch -> {
                for (int i = 0; i < branch.tests().size(); i++) {
                    if (Py.truthy(located(branch.tests().get(i), scope))) {
                        return execute(branch.bodies().get(i), scope, out);
                    }
                }
                return execute(branch.otherwise(), scope, out);
            }
            case Node.For loop -> forLoop(loop, scope, out);
            case Node.Set set -> {
                Object value = located(set.value(), scope);
                try {
                    assign(set.target(), value, scope);
                } catch (TemplateException e) {
                    throw e.at(set.line());
                }
            }
            case Node.SetBlock set -> {
                StringBuilder body = new StringBuilder();
                execute(set.body(), scope, body);
                scope.set(set.name(), body.toString());
            }
            case Node.MacroDefinition macro -> scope.set(macro.name(), new Macro(macro, scope, this));
            case Node.Break b -> {
                return Flow.BREAK;
            }
            case Node.Continue c -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    private void forLoop(Node.For loop, Scope scope, StringBuilder out) {
        List<Object> items = new ArrayList<>();
        try {
            Object iterable = eval(loop.iterable(), scope);
            for (Object item : Py.iterate(iterable)) {
                if (loop.filter() == null || Py.truthy(eval(loop.filter(), bind(loop, item, scope, null)))) {
                    items.add(item);
                }
            }
        } catch (TemplateException e) {
            throw e.at(loop.line());
        }
        if (items.isEmpty()) {
            execute(loop.otherwise(), scope, out);
            return;
        }
        LoopContext context = new LoopContext(items);
        for (int i = 0; i < items.size(); i++) {
            context.advance(i);
            Scope iteration;
            try {
                iteration = bind(loop, items.get(i), scope, context);
            } catch (TemplateException e) {
                throw e.at(loop.line());
            }
            if (execute(loop.body(), iteration, out) == Flow.BREAK) {
                return;
            }
        }
    }

    private static Scope bind(Node.For loop, Object item, Scope parent, LoopContext context) {
        Scope scope = new Scope(parent);
        if (context != null) {
            scope.set("loop", context);
        }
        List<String> targets = loop.targets();
        if (targets.size() == 1) {
            scope.set(targets.getFirst(), item);
            return scope;
        }
        List<Object> values = Py.iterate(item);
        if (values.size() != targets.size()) {
            throw new TemplateException("cannot unpack " + values.size() + " values into " + targets.size() + " loop variables", 0);
        }
        for (int i = 0; i < targets.size(); i++) {
            scope.set(targets.get(i), values.get(i));
        }
        return scope;
    }

    private void assign(Expr target, Object value, Scope scope) {
        switch (target) {
            case Expr.Name name -> scope.set(name.name(), value);
            case Expr.Attribute attribute -> {
                Object owner = eval(attribute.target(), scope);
                if (!(owner instanceof Namespace ns)) {
                    throw new TemplateException("cannot assign attribute on non-namespace object", 0);
                }
                ns.set(attribute.name(), value);
            }
            case Expr.TupleLiteral names -> {
                List<Object> values = Py.iterate(value);
                if (values.size() != names.items().size()) {
                    throw new TemplateException("cannot unpack " + values.size() + " values into "
                            + names.items().size() + " names", 0);
                }
                for (int i = 0; i < values.size(); i++) {
                    assign(names.items().get(i), values.get(i), scope);
                }
            }
            default -> throw new TemplateException("cannot assign to this expression", 0);
        }
    }

    Object callMacro(Macro macro, List<Object> args, Map<String, Object> kwargs) {
        Node.MacroDefinition definition = macro.definition();
        List<String> parameters = definition.parameters();
        if (args.size() > parameters.size()) {
            throw new TemplateException("macro '" + definition.name() + "' takes not more than " + parameters.size()
                    + " argument(s)", 0);
        }
        if (macroDepth >= MAX_MACRO_DEPTH) {
            throw new TemplateException("macro calls nested deeper than " + MAX_MACRO_DEPTH, 0);
        }
        macroDepth++;
        try {
            Scope scope = new Scope(macro.closure());
            for (int i = 0; i < parameters.size(); i++) {
                String name = parameters.get(i);
                if (i < args.size()) {
                    scope.set(name, args.get(i));
                } else if (kwargs.containsKey(name)) {
                    scope.set(name, kwargs.get(name));
                } else if (definition.defaults().get(i) != null) {
                    scope.set(name, eval(definition.defaults().get(i), scope));
                } else {
                    scope.set(name, new Undefined("parameter '" + name + "' was not provided"));
                }
            }
            for (String key : kwargs.keySet()) {
                if (!parameters.contains(key)) {
                    throw new TemplateException("macro '" + definition.name() + "' takes no keyword argument '" + key + "'", 0);
                }
            }
            StringBuilder out = new StringBuilder();
            execute(definition.body(), scope, out);
            return out.toString();
        } finally {
            macroDepth--;
        }
    }

    /** Evaluates an expression, attaching its line to any error that does not carry one yet. */
    private Object located(Expr expr, Scope scope) {
        try {
            return eval(expr, scope);
        } catch (TemplateException e) {
            throw e.at(expr.line());
        }
    }

    private Object eval(Expr expr, Scope scope) {
        try {
            return evaluate(expr, scope);
        } catch (ArithmeticException e) {
            throw new TemplateException("integer overflow", expr.line());
        }
    }

    private Object evaluate(Expr expr, Scope scope) {
        return switch (expr) {
            case Expr.Literal literal -> literal.value();
            case Expr.Name name -> scope.lookup(name.name());
            case Expr.ListLiteral list -> evalAll(list.items(), scope);
            case Expr.TupleLiteral tuple -> new PyTuple(evalAll(tuple.items(), scope));
            case Expr.DictLiteral dict -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < dict.keys().size(); i++) {
                    map.put(eval(dict.keys().get(i), scope), eval(dict.values().get(i), scope));
                }
                yield map;
            }
            case Expr.Attribute attribute -> Members.attribute(eval(attribute.target(), scope), attribute.name());
            case Expr.Item item -> Members.item(eval(item.target(), scope), eval(item.key(), scope));
            case Expr.Slice slice -> Members.slice(eval(slice.target(), scope), optional(slice.start(), scope),
                    optional(slice.stop(), scope), optional(slice.step(), scope));
            case Expr.Call call -> call(call, scope);
            case Expr.Filter filter -> Filters.apply(filter.name(), eval(filter.target(), scope),
                    evalAll(filter.args(), scope), evalKeywords(filter.kwargs(), scope));
            case Expr.Test test -> test.negated() != Tests.apply(test.name(), eval(test.target(), scope),
                    evalAll(test.args(), scope));
            case Expr.Unary unary -> switch (unary.operator()) {
                case "not" -> !Py.truthy(eval(unary.operand(), scope));
                case "-" -> PyMath.negate(eval(unary.operand(), scope));
                default -> {
                    Object value = Py.undefinedToError(eval(unary.operand(), scope));
                    if (!Py.isNumber(value)) {
                        throw new TemplateException("bad operand type for unary +: '" + Py.typeName(value) + "'", 0);
                    }
                    yield value instanceof Boolean ? (Object) Py.toLong(value) : value;
                }
            };
            case Expr.Binary binary -> binary(binary, scope);
            case Expr.Compare compare -> {
                Object left = eval(compare.first(), scope);
                for (int i = 0; i < compare.operators().size(); i++) {
                    Object right = eval(compare.operands().get(i), scope);
                    if (!compare(compare.operators().get(i), left, right)) {
                        yield false;
                    }
                    left = right;
                }
                yield true;
            }
            case Expr.Conditional conditional -> Py.truthy(eval(conditional.test(), scope))
                    ? eval(conditional.then(), scope)
                    : conditional.otherwise() == null ? new Undefined("the inline if-expression evaluated to false "
                    + "and no else section was defined") : eval(conditional.otherwise(), scope);
        };
    }

    private Object optional(Expr expr, Scope scope) {
        return expr == null ? null : eval(expr, scope);
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> values = new ArrayList<>(exprs.size());
        for (Expr e : exprs) {
            values.add(eval(e, scope));
        }
        return values;
    }

    private Map<String, Object> evalKeywords(Map<String, Expr> exprs, Scope scope) {
        Map<String, Object> values = new LinkedHashMap<>();
        exprs.forEach((k, e) -> values.put(k, eval(e, scope)));
        return values;
    }

    private Object call(Expr.Call call, Scope scope) {
        Object callee = eval(call.callee(), scope);
        List<Object> args = evalAll(call.args(), scope);
        Map<String, Object> kwargs = evalKeywords(call.kwargs(), scope);
        return switch (callee) {
            case JinjaCallable function -> function.call(args, kwargs);
            case Undefined u -> throw u.error();
            case null, default -> throw new TemplateException("'" + Py.typeName(callee) + "' object is not callable", 0);
        };
    }

    private Object binary(Expr.Binary binary, Scope scope) {
        Object left = eval(binary.left(), scope);
        switch (binary.operator()) {
            case "and" -> {
                return Py.truthy(left) ? eval(binary.right(), scope) : left;
            }
            case "or" -> {
                return Py.truthy(left) ? left : eval(binary.right(), scope);
            }
            default -> {
            }
        }
        Object right = eval(binary.right(), scope);
        return switch (binary.operator()) {
            case "~" -> Py.str(left) + Py.str(right);
            case "+" -> PyMath.add(left, right);
            case "-" -> PyMath.subtract(left, right);
            case "*" -> PyMath.multiply(left, right);
            case "/" -> PyMath.divide(left, right);
            case "//" -> PyMath.floorDivide(left, right);
            case "%" -> PyMath.modulo(left, right);
            case "**" -> PyMath.power(left, right);
            default -> throw new TemplateException("unknown operator " + binary.operator(), binary.line());
        };
    }

    private static boolean compare(String operator, Object left, Object right) {
        return switch (operator) {
            case "==" -> Py.equal(left, right);
            case "!=" -> !Py.equal(left, right);
            case "in" -> Py.contains(right, left);
            case "not in" -> !Py.contains(right, left);
            default -> {
                Py.undefinedToError(left);
                Py.undefinedToError(right);
                int order = Py.compare(left, right);
                yield switch (operator) {
                    case "<" -> order < 0;
                    case "<=" -> order <= 0;
                    case ">" -> order > 0;
                    default -> order >= 0;
                };
            }
        };
    }
}
