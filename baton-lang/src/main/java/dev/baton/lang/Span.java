package dev.baton.lang;

/**
 * A half-open range of character offsets {@code [start, end)} into a {@link SourceFile}.
 * Lines and columns are derived from the source file when needed, so spans stay two ints.
 */
public record Span(int start, int end) {
    public static final Span NONE = new Span(0, 0);

    public Span {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }
    }

    /** The smallest span covering both. */
    public Span to(Span other) {
        return new Span(Math.min(start, other.start), Math.max(end, other.end));
    }

    public int length() {
        return end - start;
    }
}
