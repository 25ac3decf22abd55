package dev.glint.engine.text.chat.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds the statement tree from lexed segments, with Jinja2's expression grammar and precedence. */
final class Parser {
    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", "<=", ">", ">=");
    private static final Set<String> ARGUMENT_STARTS = Set.of("[", "{");

    private final List<Segment> segments;
    private int index;
    private List<Token> tokens;
    private int at;
    private int loopDepth;

    private Parser(List<Segment> segments) {
        this.segments = segments;
    }

    static List<Node> parse(String source) {
        Parser parser = new Parser(TemplateLexer.lex(source));
        List<Node> body = parser.body(Set.of());
        if (parser.index < parser.segments.size()) {
            Segment.Statement stray = (Segment.Statement) parser.segments.get(parser.index);
            throw new TemplateSyntaxException("unexpected '" + stray.keyword() + "'", stray.line());
        }
        return body;
    }

    /** Parses nodes until a statement whose keyword is in {@code ends}, which is left unconsumed. */
    private List<Node> body(Set<String> ends) {
        List<Node> nodes = new ArrayList<>();
        while (index < segments.size()) {
            Segment segment = segments.get(index);
            switch (segment) {
                case Segment.Text text -> {
                    nodes.add(new Node.Text(text.text()));
                    index++;
                }
                case Segment.Output output -> {
                    begin(output.tokens());
                    nodes.add(new Node.Print(tuple(), output.line()));
                    expectEnd();
                    index++;
                }
                case Segment.Statement statement -> {
                    if (ends.contains(statement.keyword())) {
                        return nodes;
                    }
                    index++;
                    statement(statement, nodes);
                }
            }
        }
        if (!ends.isEmpty()) {
            throw new TemplateSyntaxException("unexpected end of template, expected one of " + ends, lastLine());
        }
        return nodes;
    }

    private int lastLine() {
        return segments.isEmpty() ? 0 : segments.getLast().line();
    }

    private void statement(Segment.Statement statement, List<Node> into) {
        begin(statement.tokens());
        Token keyword = next();
        int line = statement.line();
        switch (keyword.text()) {
            case "if" -> into.add(ifStatement());
            case "for" -> into.add(forStatement(line));
            case "set" -> into.add(setStatement(line));
            case "macro" -> into.add(macro(line));
            case "break", "continue" -> {
                expectEnd();
                if (loopDepth == 0) {
                    throw new TemplateSyntaxException("'" + keyword.text() + "' outside a loop", line);
                }
                into.add(keyword.text().equals("break") ? new Node.Break() : new Node.Continue());
            }
            case "generation" -> {
                expectEnd();
                into.addAll(body(Set.of("endgeneration")));
                closing("endgeneration");
            }
            default -> throw new TemplateSyntaxException("unknown tag '" + keyword.text() + "'", line);
        }
    }

    private Node ifStatement() {
        List<Expr> tests = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> otherwise = List.of();
        tests.add(expression());
        expectEnd();
        while (true) {
            List<Node> body = body(Set.of("elif", "else", "endif"));
            Segment.Statement end = (Segment.Statement) segments.get(index++);
            begin(end.tokens());
            next();
            switch (end.keyword()) {
                case "elif" -> {
                    bodies.add(body);
                    tests.add(expression());
                    expectEnd();
                }
                case "else" -> {
                    bodies.add(body);
                    expectEnd();
                    otherwise = body(Set.of("endif"));
                    closing("endif");
                    return new Node.If(tests, bodies, otherwise);
                }
                default -> {
                    expectEnd();
                    bodies.add(body);
                    return new Node.If(tests, bodies, otherwise);
                }
            }
        }
    }

    private Node forStatement(int line) {
        List<String> targets = new ArrayList<>();
        boolean parenthesised = peek().isOperator("(");
        if (parenthesised) {
            next();
        }
        do {
            targets.add(name());
        } while (accept(","));
        if (parenthesised) {
            expect(")");
        }
        expectName("in");
        Expr iterable = tuple(true);
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = expression();
        }
        if (peek().isName("recursive")) {
            throw new TemplateSyntaxException("recursive loops are not supported", line);
        }
        expectEnd();
        loopDepth++;
        List<Node> body = body(Set.of("else", "endfor"));
        loopDepth--;
        List<Node> otherwise = List.of();
        if (((Segment.Statement) segments.get(index)).keyword().equals("else")) {
            closing("else");
            otherwise = body(Set.of("endfor"));
        }
        closing("endfor");
        return new Node.For(targets, iterable, filter, body, otherwise, line);
    }

    private Node setStatement(int line) {
        Expr target = primary();
        if (target instanceof Expr.Name && peek().isOperator(".")) {
            next();
            target = new Expr.Attribute(target, name(), line);
        } else if (target instanceof Expr.Name && peek().isOperator(",")) {
            List<Expr> names = new ArrayList<>(List.of(target));
            while (accept(",")) {
                names.add(new Expr.Name(name(), line));
            }
            target = new Expr.TupleLiteral(names, line);
        }
        if (target instanceof Expr.Name blockName && peek().kind() == Token.Kind.END) {
            List<Node> body = body(Set.of("endset"));
            closing("endset");
            return new Node.SetBlock(blockName.name(), body, line);
        }
        if (!(target instanceof Expr.Name || target instanceof Expr.Attribute || target instanceof Expr.TupleLiteral)) {
            throw new TemplateSyntaxException("cannot assign to this expression", line);
        }
        expect("=");
        Expr value = tuple();
        expectEnd();
        return new Node.Set(target, value, line);
    }

    private Node macro(int line) {
        String name = name();
        List<String> parameters = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expect("(");
        while (!accept(")")) {
            if (!parameters.isEmpty()) {
                expect(",");
                if (accept(")")) {
                    break;
                }
            }
            parameters.add(name());
            defaults.add(accept("=") ? expression() : null);
        }
        expectEnd();
        int outerLoops = loopDepth;
        loopDepth = 0;
        List<Node> body = body(Set.of("endmacro"));
        loopDepth = outerLoops;
        closing("endmacro");
        return new Node.MacroDefinition(name, parameters, defaults, body, line);
    }

    /** Consumes the statement {@code keyword}, which must have nothing else in it. */
    private void closing(String keyword) {
        Segment.Statement end = (Segment.Statement) segments.get(index++);
        begin(end.tokens());
        expectName(keyword);
        expectEnd();
    }

    // ---- expressions ----

    private void begin(List<Token> tagTokens) {
        tokens = tagTokens;
        at = 0;
    }

    private Token peek() {
        return tokens.get(at);
    }

    private Token peekAhead() {
        return tokens.get(Math.min(at + 1, tokens.size() - 1));
    }

    private Token next() {
        Token token = tokens.get(at);
        if (token.kind() != Token.Kind.END) {
            at++;
        }
        return token;
    }

    private boolean accept(String operator) {
        if (peek().isOperator(operator)) {
            next();
            return true;
        }
        return false;
    }

    private void expect(String operator) {
        if (!accept(operator)) {
            throw new TemplateSyntaxException("expected '" + operator + "', found " + peek(), peek().line());
        }
    }

    private void expectName(String name) {
        if (!peek().isName(name)) {
            throw new TemplateSyntaxException("expected '" + name + "', found " + peek(), peek().line());
        }
        next();
    }

    private String name() {
        if (peek().kind() != Token.Kind.NAME) {
            throw new TemplateSyntaxException("expected a name, found " + peek(), peek().line());
        }
        return next().text();
    }

    private void expectEnd() {
        if (peek().kind() != Token.Kind.END) {
            throw new TemplateSyntaxException("unexpected " + peek(), peek().line());
        }
    }

    private Expr tuple() {
        return tuple(false);
    }

    /** An expression, or a tuple when commas follow it (as in {@code set a = 1, 2}). */
    private Expr tuple(boolean stopAtIf) {
        int line = peek().line();
        Expr first = stopAtIf ? or() : expression();
        if (!peek().isOperator(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (accept(",")) {
            if (peek().kind() == Token.Kind.END || peek().isName("if")) {
                break;
            }
            items.add(stopAtIf ? or() : expression());
        }
        return new Expr.TupleLiteral(items, line);
    }

    private Expr expression() {
        Expr value = or();
        while (peek().isName("if")) {
            int line = next().line();
            Expr test = or();
            Expr otherwise = null;
            if (peek().isName("else")) {
                next();
                otherwise = expression();
            }
            value = new Expr.Conditional(test, value, otherwise, line);
        }
        return value;
    }

    private Expr or() {
        Expr left = and();
        while (peek().isName("or")) {
            int line = next().line();
            left = new Expr.Binary("or", left, and(), line);
        }
        return left;
    }

    private Expr and() {
        Expr left = not();
        while (peek().isName("and")) {
            int line = next().line();
            left = new Expr.Binary("and", left, not(), line);
        }
        return left;
    }

    private Expr not() {
        if (peek().isName("not")) {
            int line = next().line();
            return new Expr.Unary("not", not(), line);
        }
        return compare();
    }

    private Expr compare() {
        int line = peek().line();
        Expr first = math1();
        List<String> operators = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token token = peek();
            if (token.kind() == Token.Kind.OPERATOR && COMPARISONS.contains(token.text())) {
                operators.add(next().text());
            } else if (token.isName("in")) {
                next();
                operators.add("in");
            } else if (token.isName("not") && peekAhead().isName("in")) {
                next();
                next();
                operators.add("not in");
            } else {
                break;
            }
            operands.add(math1());
        }
        return operators.isEmpty() ? first : new Expr.Compare(first, operators, operands, line);
    }

    private Expr math1() {
        Expr left = concat();
        while (peek().isOperator("+") || peek().isOperator("-")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, concat(), op.line());
        }
        return left;
    }

    private Expr concat() {
        Expr left = math2();
        while (peek().isOperator("~")) {
            int line = next().line();
            left = new Expr.Binary("~", left, math2(), line);
        }
        return left;
    }

    private Expr math2() {
        Expr left = power();
        while (peek().isOperator("*") || peek().isOperator("/") || peek().isOperator("//") || peek().isOperator("%")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, power(), op.line());
        }
        return left;
    }

    private Expr power() {
        Expr left = unary(true);
        while (peek().isOperator("**")) {
            int line = next().line();
            left = new Expr.Binary("**", left, unary(true), line);
        }
        return left;
    }

    private Expr unary(boolean withFilters) {
        Token token = peek();
        Expr value;
        if (token.isOperator("-") || token.isOperator("+")) {
            next();
            value = new Expr.Unary(token.text(), unary(false), token.line());
        } else {
            value = primary();
        }
        value = postfix(value);
        return withFilters ? filters(value) : value;
    }

    private Expr primary() {
        Token token = next();
        int line = token.line();
        switch (token.kind()) {
            case NAME -> {
                return switch (token.text()) {
                    case "true", "True" -> new Expr.Literal(true, line);
                    case "false", "False" -> new Expr.Literal(false, line);
                    case "none", "None" -> new Expr.Literal(null, line);
                    default -> new Expr.Name(token.text(), line);
                };
            }
            case STRING -> {
                StringBuilder text = new StringBuilder(token.text());
                while (peek().kind() == Token.Kind.STRING) {
                    text.append(next().text());
                }
                return new Expr.Literal(text.toString(), line);
            }
            case INTEGER -> {
                return new Expr.Literal(Long.parseLong(token.text()), line);
            }
            case FLOAT -> {
                return new Expr.Literal(Double.parseDouble(token.text()), line);
            }
            case OPERATOR -> {
                switch (token.text()) {
                    case "(" -> {
                        if (accept(")")) {
                            return new Expr.TupleLiteral(List.of(), line);
                        }
                        Expr inner = expression();
                        if (!peek().isOperator(",")) {
                            expect(")");
                            return inner;
                        }
                        List<Expr> items = new ArrayList<>(List.of(inner));
                        while (accept(",") && !peek().isOperator(")")) {
                            items.add(expression());
                        }
                        expect(")");
                        return new Expr.TupleLiteral(items, line);
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!accept("]")) {
                            if (!items.isEmpty()) {
                                expect(",");
                                if (accept("]")) {
                                    break;
                                }
                            }
                            items.add(expression());
                        }
                        return new Expr.ListLiteral(items, line);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!accept("}")) {
                            if (!keys.isEmpty()) {
                                expect(",");
                                if (accept("}")) {
                                    break;
                                }
                            }
                            keys.add(expression());
                            expect(":");
                            values.add(expression());
                        }
                        return new Expr.DictLiteral(keys, values, line);
                    }
                    default -> {
                    }
                }
            }
            default -> {
            }
        }
        throw new TemplateSyntaxException("unexpected " + token, line);
    }

    private Expr postfix(Expr value) {
        while (true) {
            Token token = peek();
            if (token.isOperator(".")) {
                next();
                Token member = next();
                if (member.kind() == Token.Kind.INTEGER) {
                    value = new Expr.Item(value, new Expr.Literal(Long.parseLong(member.text()), member.line()), member.line());
                } else if (member.kind() == Token.Kind.NAME) {
                    value = new Expr.Attribute(value, member.text(), member.line());
                } else {
                    throw new TemplateSyntaxException("expected an attribute name after '.', found " + member, member.line());
                }
            } else if (token.isOperator("[")) {
                next();
                value = subscript(value, token.line());
            } else if (token.isOperator("(")) {
                value = call(value);
            } else {
                return value;
            }
        }
    }

    private Expr subscript(Expr target, int line) {
        Expr[] parts = new Expr[3];
        int part = 0;
        boolean slice = false;
        while (!accept("]")) {
            if (accept(":")) {
                slice = true;
                if (++part > 2) {
                    throw new TemplateSyntaxException("too many ':' in a slice", line);
                }
            } else if (parts[part] == null) {
                parts[part] = expression();
            } else {
                throw new TemplateSyntaxException("expected ']' or ':', found " + peek(), line);
            }
        }
        if (slice) {
            return new Expr.Slice(target, parts[0], parts[1], parts[2], line);
        }
        if (parts[0] == null) {
            throw new TemplateSyntaxException("empty subscript", line);
        }
        return new Expr.Item(target, parts[0], line);
    }

    private Expr call(Expr callee) {
        int line = peek().line();
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        arguments(args, kwargs);
        return new Expr.Call(callee, args, kwargs, line);
    }

    private void arguments(List<Expr> args, Map<String, Expr> kwargs) {
        expect("(");
        while (!accept(")")) {
            if (!args.isEmpty() || !kwargs.isEmpty()) {
                expect(",");
                if (accept(")")) {
                    return;
                }
            }
            if (peek().kind() == Token.Kind.NAME && peekAhead().isOperator("=")) {
                String key = next().text();
                next();
                kwargs.put(key, expression());
            } else if (!kwargs.isEmpty()) {
                throw new TemplateSyntaxException("positional argument after keyword argument", peek().line());
            } else {
                args.add(expression());
            }
        }
    }

    private Expr filters(Expr value) {
        while (true) {
            Token token = peek();
            if (token.isOperator("|")) {
                next();
                String name = dottedName();
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                if (peek().isOperator("(")) {
                    arguments(args, kwargs);
                }
                value = new Expr.Filter(value, name, args, kwargs, token.line());
            } else if (token.isName("is")) {
                next();
                boolean negated = peek().isName("not");
                if (negated) {
                    next();
                }
                String name = dottedName();
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                Token after = peek();
                if (after.isOperator("(")) {
                    arguments(args, kwargs);
                } else if (startsTestArgument(after)) {
                    args.add(postfix(primary()));
                }
                value = new Expr.Test(value, name, args, negated, token.line());
            } else if (token.isOperator("(")) {
                value = call(value);
            } else {
                return value;
            }
        }
    }

    /** Jinja2 lets a test take one argument without parentheses: {@code x is divisibleby 3}. */
    private static boolean startsTestArgument(Token token) {
        return switch (token.kind()) {
            case STRING, INTEGER, FLOAT -> true;
            case NAME -> !Set.of("else", "or", "and", "if", "in", "not", "is").contains(token.text());
            case OPERATOR -> ARGUMENT_STARTS.contains(token.text());
            default -> false;
        };
    }

    private String dottedName() {
        StringBuilder name = new StringBuilder(name());
        while (peek().isOperator(".") && peekAhead().kind() == Token.Kind.NAME) {
            next();
            name.append('.').append(next().text());
        }
        return name.toString();
    }
}
