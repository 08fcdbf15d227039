package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.util.List;

/**
 * Statements. A {@code binding} is the target of {@code -> target} (a local name or a
 * {@code $state} path), or null when the statement binds nothing.
 */
public sealed interface Stmt extends Node {

    /** {@code let name = value}: a new local. */
    record Let(Name name, Expr value, Span span) implements Stmt {
    }

    /**
     * {@code target op value [min lo] [max hi]}. On state, {@code +=}/{@code -=} with bounds
     * is the atomic clamped delta.
     */
    record Assign(Expr target, AssignOp op, Expr value, Expr min, Expr max, Span span) implements Stmt {
    }

    enum AssignOp {
        SET("="), ADD("+="), SUB("-="), MUL("*="), DIV("/=");

        private final String symbol;

        AssignOp(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    /** {@code if cond { } [else if … | else { }]}: exactly one of {@code elseIf}, {@code elseBlock} or neither. */
    record If(Expr condition, Block then, If elseIf, Block elseBlock, Span span) implements Stmt {
    }

    /** {@code for x in list [max: n] { }}. */
    record For(Name variable, Expr iterable, Options options, Block body, Span span) implements Stmt {
    }

    /** {@code while cond [max: n] { }}. */
    record While(Expr condition, Options options, Block body, Span span) implements Stmt {
    }

    record Return(Expr value, Span span) implements Stmt {
    }

    record Break(Span span) implements Stmt {
    }

    record Continue(Span span) implements Stmt {
    }

    /** {@code Fail "reason"}: fails the current handler, workflow or saga step. */
    record Fail(Expr reason, Span span) implements Stmt {
    }

    /** A call of a built-in function for its effect, e.g. {@code cas(…)}. */
    record ExprStmt(Expr expr, Span span) implements Stmt {
    }

    /** {@code Call Module[key].Endpoint { args } [options] -> binding}. */
    record Call(Name module, Expr instance, Name endpoint, Expr.MapLit args, Options options, Expr binding, Span span)
            implements Stmt {
    }

    /**
     * {@code Start Workflow { args } [-> id]} (detached) or {@code Run Workflow { args } -> result}
     * (a child workflow whose result is awaited).
     */
    record Start(boolean child, Name workflow, Expr.MapLit args, Options options, Expr binding, Span span)
            implements Stmt {
    }

    /** {@code Emit Source.Event { payload } [options]}. */
    record Emit(QualifiedName event, Expr.MapLit payload, Options options, Span span) implements Stmt {
    }

    /** {@code Cancel id}: cancels a workflow and its children; their sagas compensate and their locks are released. */
    record Cancel(Expr workflow, Span span) implements Stmt {
    }

    /** {@code Sleep duration}. */
    record Sleep(Expr duration, Span span) implements Stmt {
    }

    /** {@code Await Source.Event [where: cond, timeout: d] -> binding}; on timeout the binding is {@code none}. */
    record Await(QualifiedName event, Options options, Expr binding, Span span) implements Stmt {
    }

    /** {@code Saga [options] { Step … Compensate … Pivot … } -> outcome}. */
    record Saga(Options options, List<Step> steps, Expr binding, Span span) implements Stmt {
        public Saga {
            steps = List.copyOf(steps);
        }
    }

    /** {@code Step Name [options] { action } [Compensate { undo }]}, or {@code Pivot Name { action }}. */
    record Step(Name name, boolean pivot, Options options, Block action, Block compensation, Span span) implements Node {
    }

    /** {@code Lock (key, …) [lease: 5s] -> token { body }}: keys are taken in one global order. */
    record Lock(List<Expr> keys, Options options, Expr binding, Block body, Span span) implements Stmt {
        public Lock {
            keys = List.copyOf(keys);
        }
    }

    /**
     * {@code Fork { Branch a { } Branch b { } } Join all -> results}, or the dynamic form
     * {@code Fork x in list [max: n] { } Join any}. {@code joinCount} is set for {@code Join n}.
     */
    record Fork(List<Branch> branches, Name eachVar, Expr eachOver, Block eachBody, Options options,
                JoinKind join, Expr joinCount, Options joinOptions, Expr binding, Span span) implements Stmt {
        public Fork {
            branches = List.copyOf(branches);
        }

        public boolean dynamic() {
            return eachVar != null;
        }
    }

    /**
     * {@code Join (name) [timeout: d] -> results}: waits for the fork another workflow shares under
     * {@code name} ({@code Fork [share: name]}) to be decided, and binds its results.
     */
    record JoinShared(Expr name, Options options, Expr binding, Span span) implements Stmt {
    }

    enum JoinKind {
        ALL("all"), ANY("any"), COUNT("n");

        private final String word;

        JoinKind(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    record Branch(Name name, Block body, Span span) implements Node {
    }

    /**
     * {@code Ask Provider input expect Type [check name: cond]… [options] otherwise fallback -> binding}:
     * an AI decision validated against a shape and checks, with a fallback.
     */
    record Ask(Name provider, Expr input, TypeRef expect, List<Check> checks, Options options, Expr otherwise,
               Expr binding, Span span) implements Stmt {
        public Ask {
            checks = List.copyOf(checks);
        }
    }

    /** {@code Evaluate value expect Type [check …]… otherwise fallback -> binding}: the same guard for any value. */
    record Evaluate(Expr value, TypeRef expect, List<Check> checks, Expr otherwise, Expr binding, Span span)
            implements Stmt {
        public Evaluate {
            checks = List.copyOf(checks);
        }
    }

    /** {@code check name: condition} inside Ask/Evaluate; {@code answer} names the candidate value. */
    record Check(Name name, Expr condition, Span span) implements Node {
    }
}
