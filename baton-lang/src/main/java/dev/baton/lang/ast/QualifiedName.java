package dev.baton.lang.ast;

import dev.baton.lang.Span;

import java.util.List;
import java.util.stream.Collectors;

/** {@code Source.Event}: a dotted name. */
public record QualifiedName(List<Name> parts, Span span) implements Node {
    public QualifiedName {
        parts = List.copyOf(parts);
    }

    public String text() {
        return parts.stream().map(Name::text).collect(Collectors.joining("."));
    }

    @Override
    public String toString() {
        return text();
    }
}
