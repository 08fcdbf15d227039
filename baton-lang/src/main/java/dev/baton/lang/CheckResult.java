package dev.baton.lang;

import dev.baton.lang.ast.Program;

import java.util.List;

/** A parsed and checked program, with every diagnostic (syntax and meaning) sorted by position. */
public record CheckResult(SourceFile file, Program program, Symbols symbols, List<Diagnostic> diagnostics) {
    public CheckResult {
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    public long errorCount() {
        return diagnostics.stream().filter(Diagnostic::isError).count();
    }

    public long warningCount() {
        return diagnostics.stream().filter(d -> d.severity() == Severity.WARNING).count();
    }
}
