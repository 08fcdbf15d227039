package dev.baton.lang.ast;

import dev.baton.lang.Span;

/** An identifier as written, with its position. State variables are stored without the {@code $}. */
public record Name(String text, Span span) implements Node {
    @Override
    public String toString() {
        return text;
    }
}
