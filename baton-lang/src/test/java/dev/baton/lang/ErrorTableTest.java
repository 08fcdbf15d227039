package dev.baton.lang;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** One row per error: a small program, the code it must produce, where, and words from the message. */
class ErrorTableTest {
    static Stream<Arguments> rows() {
        return Stream.of(
                row("Module A {\n    X /execute { let a = \"abc }\n}", "B0102", 2, 26, "unterminated string"),
                row("$a = 99999999999999999999", "B0103", 1, 6, "does not fit in 64 bits"),
                row("$a = 10q", "B0103", 1, 6, "durations end in"),
                row("$a = \"\\u{110000}\"", "B0104", 1, 7, "unicode escape"),
                row("$a = 1\n$b = ~", "B0101", 2, 6, "unexpected character '~'"),
                row("Module A {\n    Tick { }\n}", "B0110", 2, 10, "expected a period after Tick"),
                row("Module A {\n    ON Player.Hit { }\n}", "B0110", 2, 8, "'(' after ON"),
                row("Workflow W {\n    Ask X 1 expect Int\n}", "B0110", 3, 1, "expected 'otherwise'"),
                row("Workflow W {\n    Fork { Branch { } }\n}", "B0110", 3, 1, "'Join all'"),
                row("Workflow W {\n    Saga { Do X { } }\n}", "B0110", 2, 12, "'Step Name"),
                row("Workflow W {\n    Saga { Pivot P { } Compensate { } }\n}", "B0110", 2, 24, "no compensation"),
                row("Module A {\n    ON (P.E) { {x} = 1 }\n}", "B0114", 2, 16, "cannot assign"),
                row("Workflow W {\n    let x = 1\n    let x = 2\n}", "B0209", 3, 9, "already declared"),
                row("Shape S { a: Int }\nShape S { b: Int }", "B0209", 2, 7, "already defined at line 1"),
                row("Workflow W {\n    Sleep \"5s\"\n}", "B0302", 2, 11, "needs Duration"),
                row("Workflow W {\n    let a = [1, 2]\n    let b = a[\"x\"]\n}", "B0302", 3, 15, "list index"),
                row("Module M {\n    R /return {\n        return Other.$v\n    }\n}\nModule Other {\n    $v = 1\n}", "B0304", 3, 16, "private"),
                row("Workflow W {\n    return\n    Sleep 1s\n}", "B0305", 3, 5, "unreachable"),
                row("Workflow W(n: Int) {\n    Call M.E { }\n}", "B0202", 2, 10, "unknown module 'M'"),
                row("Module M [instances: 3] {\n    E /execute { }\n}\nWorkflow W {\n    Call M.E\n}", "B0213", 5, 10, "many instances"),
                row("Module M {\n    E /execute { }\n}\nWorkflow W {\n    Call M[1].E\n}", "B0308", 5, 12, "single instance"),
                row("Module M {\n    Tick [100ms, missed: later] { }\n}", "B0308", 2, 26, "skip, coalesce, catch_up"),
                row("Module M {\n    Tick [x: 1s] { }\n}", "B0210", 2, 11, "unknown option 'x'"),
                row("Module M {\n    Tick [500us] { }\n}", "B0103", 2, 11, "malformed number"),
                row("Module M {\n    Tick [0.5ms] { }\n}", "B0309", 2, 11, "shorter than the engine's resolution"),
                row("Workflow W {\n    Fork { Branch { } } Join 3\n}", "B0310", 2, 30, "Join 3"),
                row("$x: Int [10..1] = 5", "B0310", 1, 5, "empty range"),
                row("Workflow W {\n    Evaluate 5 expect String otherwise 1 -> v\n}", "B0302", 2, 40, "'otherwise' fallback"),
                row("Module M {\n    E /execute {\n        cas(1, 2, 3)\n    }\n}", "B0302", 3, 13, "$state path"),
                row("version 1\nMigration from 1 { }", "B0311", 2, 1, "older version"),
                row("Migration from 1 { }", "B0311", 1, 1, "needs the program's version"),
                row("Event Player { a: Int }", "B0110", 1, 7, "Source.Event"));
    }

    private static Arguments row(String src, String code, int line, int col, String fragment) {
        return Arguments.of(src, code, line, col, fragment);
    }

    @ParameterizedTest(name = "{1} at {2}:{3} — {4}")
    @MethodSource("rows")
    void reportsTheError(String src, String code, int line, int col, String fragment) {
        List<Diagnostic> ds = Baton.check("t.baton", src).diagnostics();
        assertThat(ds).as("diagnostics of:%n%s", src)
                .anySatisfy(d -> {
                    assertThat(d.code().id()).isEqualTo(code);
                    assertThat(d.line()).isEqualTo(line);
                    assertThat(d.column()).isEqualTo(col);
                    assertThat(d.message()).contains(fragment);
                });
        ds.forEach(d -> assertThat(DiagnosticRenderer.render(d)).startsWith("t.baton:" + d.line() + ":" + d.column() + ": "));
    }
}
