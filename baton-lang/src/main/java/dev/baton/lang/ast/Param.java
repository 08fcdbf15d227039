package dev.baton.lang.ast;

import dev.baton.lang.Span;

/** A declared parameter of an endpoint or workflow: {@code name: Type [= default]}. */
public record Param(Name name, TypeRef type, Expr defaultValue, Span span) implements Node {
}
