package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.util.List;

/** Expressions: one language for every condition, value and argument. */
public sealed interface Expr extends Node {

    /** A literal. {@code value} is a Long, Double, String, Boolean, java.time.Duration or null ({@code none}). */
    record Literal(Kind kind, Object value, String raw, Span span) implements Expr {
        public enum Kind { INT, FLOAT, STRING, BOOL, DURATION, NONE }
    }

    /** {@code $name}: module state, global state or a built-in like {@code $my_id}. */
    record Var(String name, Span span) implements Expr {
    }

    /** A plain name: a local, a parameter, a function or a module/workflow in a qualified position. */
    record Ident(String name, Span span) implements Expr {
    }

    /** {@code {field}} or {@code {a.b}}: the payload of the current event, call or workflow. */
    record Payload(List<String> path, Span span) implements Expr {
        public Payload {
            path = List.copyOf(path);
        }
    }

    /** {@code Module.$var}: another module's private state (always rejected by the checker). */
    record ForeignVar(Name module, Name var, Span span) implements Expr {
    }

    record Field(Expr target, Name field, Span span) implements Expr {
    }

    record Index(Expr target, Expr index, Span span) implements Expr {
    }

    record Call(Expr callee, List<Expr> args, Span span) implements Expr {
        public Call {
            args = List.copyOf(args);
        }
    }

    record Unary(UnaryOp op, Expr operand, Span span) implements Expr {
    }

    record Binary(BinaryOp op, Expr left, Expr right, Span span) implements Expr {
    }

    /** {@code { key: value, "key": value }}. */
    record MapLit(List<Entry> entries, Span span) implements Expr {
        public MapLit {
            entries = List.copyOf(entries);
        }

        public record Entry(Name key, boolean quoted, Expr value, Span span) implements Node {
        }
    }

    record ListLit(List<Expr> items, Span span) implements Expr {
        public ListLit {
            items = List.copyOf(items);
        }
    }

    enum UnaryOp {
        NEG("-"), NOT("not ");

        private final String symbol;

        UnaryOp(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    enum BinaryOp {
        OR("or", 1), AND("and", 2),
        EQ("==", 3), NE("!=", 3), LT("<", 3), LE("<=", 3), GT(">", 3), GE(">=", 3),
        ADD("+", 4), SUB("-", 4), MUL("*", 5), DIV("/", 5), MOD("%", 5);

        private final String symbol;
        private final int precedence;

        BinaryOp(String symbol, int precedence) {
            this.symbol = symbol;
            this.precedence = precedence;
        }

        public String symbol() {
            return symbol;
        }

        public int precedence() {
            return precedence;
        }
    }
}
