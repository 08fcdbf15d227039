package dev.baton.lang;

import dev.baton.lang.ast.Program;

import java.util.List;

/** A syntax tree (possibly partial) and the diagnostics found while reading it, sorted by position. */
public record ParseResult(SourceFile file, Program program, List<Diagnostic> diagnostics) {
    public ParseResult {
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }
}
