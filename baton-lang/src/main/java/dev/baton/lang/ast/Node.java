package dev.baton.lang.ast;

import dev.baton.lang.Span;

/** Every syntax tree node knows where it came from. Nodes are immutable records. */
public interface Node {
    Span span();
}
