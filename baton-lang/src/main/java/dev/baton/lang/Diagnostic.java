package dev.baton.lang;

import java.util.Comparator;

/**
 * One problem found in a source file. Diagnostics are values: the front end collects them
 * and never throws for a user error.
 *
 * @param suggestion replacement text for the span ("did you mean"), or null
 */
public record Diagnostic(SourceFile file, Span span, Code code, Severity severity, String message, String suggestion) {

    public static final Comparator<Diagnostic> BY_POSITION = Comparator
            .comparing((Diagnostic d) -> d.file().name())
            .thenComparingInt(d -> d.span().start())
            .thenComparing(d -> d.code().id());

    public static Diagnostic of(SourceFile file, Span span, Code code, String message) {
        return new Diagnostic(file, span, code, code.severity(), message, null);
    }

    public int line() {
        return file.line(span.start());
    }

    public int column() {
        return file.column(span.start());
    }

    public int endLine() {
        return file.line(span.end());
    }

    public int endColumn() {
        return file.column(span.end());
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line:col: severity[code]: message}, the first line of the rendering. */
    public String headline() {
        return file.name() + ":" + line() + ":" + column() + ": " + severity.label() + "[" + code.id() + "]: " + message;
    }
}
