package dev.baton.lang.internal;

import dev.baton.lang.Code;
import dev.baton.lang.Diagnostic;
import dev.baton.lang.Severity;
import dev.baton.lang.SourceFile;
import dev.baton.lang.Span;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects diagnostics for one file. After {@link #LIMIT} diagnostics it keeps counting but
 * stops storing, so garbage input cannot produce megabytes of output.
 */
public final class DiagnosticSink {
    public static final int LIMIT = 100;

    private final SourceFile file;
    private final List<Diagnostic> items = new ArrayList<>();
    private int dropped;
    private int errors;

    public DiagnosticSink(SourceFile file) {
        this.file = file;
    }

    public SourceFile file() {
        return file;
    }

    public void report(Span span, Code code, String message) {
        add(new Diagnostic(file, clamp(span), code, code.severity(), message, null));
    }

    public void report(Span span, Code code, String message, String suggestion) {
        add(new Diagnostic(file, clamp(span), code, code.severity(), message, suggestion));
    }

    private Span clamp(Span span) {
        int len = file.text().length();
        return new Span(Math.min(span.start(), len), Math.min(span.end(), len));
    }

    private void add(Diagnostic d) {
        if (d.severity() == Severity.ERROR) errors++;
        if (items.size() < LIMIT) {
            items.add(d);
        } else {
            dropped++;
        }
    }

    public int errorCount() {
        return errors;
    }

    public boolean hasErrors() {
        return errors > 0;
    }

    /** The diagnostics sorted by position, plus a note if some were dropped. */
    public List<Diagnostic> sorted() {
        List<Diagnostic> out = new ArrayList<>(items);
        out.sort(Diagnostic.BY_POSITION);
        if (dropped > 0) {
            int end = file.text().length();
            out.add(Diagnostic.of(file, new Span(end, end), Code.TOO_MANY_ERRORS,
                    dropped + " more diagnostics not shown (limit " + LIMIT + ")"));
        }
        return List.copyOf(out);
    }
}
