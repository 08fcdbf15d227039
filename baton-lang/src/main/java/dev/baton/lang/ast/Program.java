package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.util.List;

/** A whole {@code .baton} file: its declarations in order, and its comments (for the formatter). */
public record Program(List<Decl> decls, List<Comment> comments, Span span) implements Node {
    public Program {
        decls = List.copyOf(decls);
        comments = List.copyOf(comments);
    }
}
