package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.util.List;

/** {@code { statements }}. The span covers both braces. */
public record Block(List<Stmt> stmts, Span span) implements Node {
    public Block {
        stmts = List.copyOf(stmts);
    }
}
