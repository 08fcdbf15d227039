package dev.baton.lang.ast;

import dev.baton.lang.Span;

/** {@code name: Type} in a shape, an event or an {@code expect} clause; {@code name?:} makes it optional. */
public record FieldDecl(Name name, boolean optional, TypeRef type, Span span) implements Node {
}
