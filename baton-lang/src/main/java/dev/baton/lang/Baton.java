package dev.baton.lang;

import dev.baton.lang.ast.Program;
import dev.baton.lang.internal.DiagnosticSink;
import dev.baton.lang.internal.check.Checker;
import dev.baton.lang.internal.parse.Parser;

import java.util.List;

/**
 * The front end's entry point: parse, check and format {@code .baton} sources.
 *
 * <p>Nothing here throws for a problem in the user's input: every problem becomes a
 * {@link Diagnostic} in the result.
 */
public final class Baton {
    /** Files larger than this are refused with a diagnostic instead of being read into a tree. */
    public static final int MAX_SOURCE_CHARS = 64 * 1024 * 1024;
    /** The most instances one module may have (each costs memory from the start of a run). */
    public static final int MAX_INSTANCES = 1_000_000;
    /** The longest duration a program or a flag may give (100 years); longer ones are refused, never wrapped around. */
    public static final java.time.Duration MAX_DURATION = java.time.Duration.ofDays(36_500);
    /** The shortest Tick period: the engine's resolution. */
    public static final java.time.Duration TICK_RESOLUTION = java.time.Duration.ofMillis(1);

    private Baton() {
    }

    public static ParseResult parse(SourceFile file) {
        DiagnosticSink sink = new DiagnosticSink(file);
        Program program = parseInto(file, sink);
        return new ParseResult(file, program, sink.sorted());
    }

    /** Parses and, when the text could be read, checks names, types and rules. */
    public static CheckResult check(SourceFile file) {
        DiagnosticSink sink = new DiagnosticSink(file);
        Program program = parseInto(file, sink);
        Symbols symbols = new Checker(file, sink).check(program);
        return new CheckResult(file, program, symbols, sink.sorted());
    }

    public static CheckResult check(String name, String text) {
        return check(SourceFile.of(name, text));
    }

    private static Program parseInto(SourceFile file, DiagnosticSink sink) {
        String text = file.text();
        Span whole = new Span(0, text.length());
        if (text.length() > MAX_SOURCE_CHARS) {
            sink.report(new Span(0, 0), Code.INVALID_ENCODING,
                    "file is " + text.length() + " characters long; the limit is " + MAX_SOURCE_CHARS);
            return new Program(List.of(), List.of(), whole);
        }
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            sink.report(new Span(nul, nul + 1), Code.INVALID_ENCODING,
                    "file contains a NUL byte; it looks like a binary file, not Baton source");
            return new Program(List.of(), List.of(), whole);
        }
        if (file.invalidUtf8Offset() >= 0) {
            int at = file.invalidUtf8Offset();
            sink.report(new Span(at, Math.min(at + 1, text.length())), Code.INVALID_ENCODING,
                    "invalid UTF-8 byte sequence; Baton source must be UTF-8");
        }
        return new Parser(file, sink).parseProgram();
    }
}
