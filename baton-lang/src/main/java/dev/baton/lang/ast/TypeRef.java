package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.util.List;

/** A type as written: {@code Int [0..]}, {@code List<String>}, {@code "slam" | "sweep"}, {@code { hp: Int }}, {@code T?}. */
public sealed interface TypeRef extends Node {

    /** A built-in or shape name with optional type arguments and an optional bounds range {@code [min..max]}. */
    record Named(Name name, List<TypeRef> args, Expr min, Expr max, boolean ranged, Span span) implements TypeRef {
        public Named {
            args = List.copyOf(args);
        }
    }

    /** A closed set of strings. */
    record Enum(List<Expr.Literal> values, Span span) implements TypeRef {
        public Enum {
            values = List.copyOf(values);
        }
    }

    /** An inline record shape. */
    record Shape(List<FieldDecl> fields, Span span) implements TypeRef {
        public Shape {
            fields = List.copyOf(fields);
        }
    }

    /** {@code T?}: the value may be {@code none}. */
    record Optional(TypeRef inner, Span span) implements TypeRef {
    }
}
