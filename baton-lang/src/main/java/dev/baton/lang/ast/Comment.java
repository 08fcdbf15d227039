package dev.baton.lang.ast;

import dev.baton.lang.Span;

/** A {@code #} comment, kept for the formatter. {@code text} starts at the {@code #}, without the line break. */
public record Comment(String text, Span span) {
}
