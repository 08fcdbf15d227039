package dev.baton.lang;

import dev.baton.lang.format.Formatter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Input no one should write, but someone will: every case gets diagnostics (or a clean
 * result) within a time bound — never a StackOverflowError, never an exception.
 */
class PathologicalInputTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    private static CheckResult checkWithin(Supplier<SourceFile> source) {
        return assertTimeoutPreemptively(BOUND, () -> Baton.check(source.get()));
    }

    private static boolean has(CheckResult r, String code) {
        return r.diagnostics().stream().anyMatch(d -> d.code().id().equals(code));
    }

    @Test
    void tenThousandNestedParentheses() {
        String src = "$x = " + "(".repeat(10_000) + "1" + ")".repeat(10_000) + "\nModule After { }\nModule After { }";
        CheckResult r = checkWithin(() -> SourceFile.of("deep.baton", src));
        assertThat(has(r, "B0111")).isTrue();
        assertThat(r.diagnostics()).filteredOn(d -> d.code().id().equals("B0111")).hasSize(1);
        // parsing resumed after the deep declaration
        assertThat(has(r, "B0209")).isTrue();
    }

    @Test
    void tenThousandNestedBlocks() {
        StringBuilder b = new StringBuilder("Workflow W(x: Bool) {\n");
        for (int i = 0; i < 10_000; i++) b.append("if x {\n");
        for (int i = 0; i < 10_000; i++) b.append("}\n");
        b.append("}\n");
        CheckResult r = checkWithin(() -> SourceFile.of("blocks.baton", b.toString()));
        assertThat(has(r, "B0111")).isTrue();
    }

    @Test
    void tenThousandDeepOperatorChainsAndUnaries() {
        String chain = "$x = " + "1 + ".repeat(10_000) + "1\n";
        String unary = "$y = " + "-".repeat(10_000) + "1\n";
        String nots = "$z = " + "not ".repeat(10_000) + "true\n";
        String fields = "$w = a" + ".b".repeat(10_000) + "\n";
        String elseIfs = "Workflow W(x: Int) {\n    if x == 0 {\n    }" + " else if x == 1 {\n    }".repeat(10_000) + "\n}\n";
        for (String src : List.of(chain, unary, nots, fields, elseIfs)) {
            CheckResult r = checkWithin(() -> SourceFile.of("chain.baton", src));
            assertThat(has(r, "B0111")).as(src.substring(0, 20)).isTrue();
        }
    }

    @Test
    void fiveMegabyteFile() {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (b.length() < 5 * 1024 * 1024) {
            b.append("Module M").append(i).append(" {\n    $n = 0\n    Bump(by: Int) /execute {\n        $n += by\n    }\n}\n\n");
            i++;
        }
        String src = b.toString();
        CheckResult r = checkWithin(() -> SourceFile.of("big.baton", src));
        assertThat(r.diagnostics()).isEmpty();
        assertThat(r.program().decls()).hasSize(i);
        ParseResult parsed = Baton.parse(SourceFile.of("big.baton", src));
        assertThat(assertTimeoutPreemptively(BOUND, () -> Formatter.format(parsed))).isEqualTo(src.stripTrailing() + "\n");
    }

    @Test
    void binaryGarbage() {
        byte[] bytes = new byte[200_000];
        new Random(42).nextBytes(bytes);
        CheckResult r = checkWithin(() -> SourceFile.ofBytes("garbage.bin", bytes));
        assertThat(r.hasErrors()).isTrue();
        assertThat(r.diagnostics().size()).isLessThanOrEqualTo(101);
    }

    @Test
    void printableGarbageIsCappedAndRendered() {
        Random rnd = new Random(7);
        StringBuilder b = new StringBuilder();
        String alphabet = "{}[]()$#\"=+-*/<>!&|.,:;?abcXYZ019 \n\t@~^`'\\";
        for (int i = 0; i < 300_000; i++) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        CheckResult r = checkWithin(() -> SourceFile.of("soup.baton", b.toString()));
        assertThat(r.hasErrors()).isTrue();
        assertThat(r.diagnostics()).last().satisfies(d -> assertThat(d.code().id()).isEqualTo("B0112"));
        r.diagnostics().forEach(DiagnosticRenderer::render);
    }

    @Test
    void invalidUtf8() {
        byte[] bytes = "$ok = 1\n$bad = \"caf".getBytes(StandardCharsets.UTF_8);
        byte[] withBad = new byte[bytes.length + 3];
        System.arraycopy(bytes, 0, withBad, 0, bytes.length);
        withBad[bytes.length] = (byte) 0xC3; // truncated sequence
        withBad[bytes.length + 1] = (byte) '"';
        withBad[bytes.length + 2] = (byte) '\n';
        CheckResult r = checkWithin(() -> SourceFile.ofBytes("latin.baton", withBad));
        Diagnostic d = r.diagnostics().stream().filter(x -> x.code().id().equals("B0105")).findFirst().orElseThrow();
        assertThat(d.line()).isEqualTo(2);
        assertThat(d.column()).isEqualTo(12);
    }

    @Test
    void nulBytesMeanBinary() {
        CheckResult r = checkWithin(() -> SourceFile.ofBytes("x.baton", new byte[] {'$', 'a', 0, 0, 1}));
        assertThat(r.diagnostics()).singleElement().satisfies(d -> assertThat(d.code().id()).isEqualTo("B0105"));
    }

    @Test
    void emptyAndBlankFiles() {
        for (String src : List.of("", "\n\n\n", "   \t  ", "# only a comment", "# a\n\n# b\n")) {
            CheckResult r = checkWithin(() -> SourceFile.of("empty.baton", src));
            assertThat(r.diagnostics()).as("'%s'", src).isEmpty();
            String formatted = Formatter.format(Baton.parse(SourceFile.of("empty.baton", src)));
            assertThat(formatted).isEqualTo(src.isBlank() ? "" : src.strip() .replace("\n\n\n", "\n\n") + "\n");
        }
    }

    @Test
    void unterminatedEverythingAtEndOfFile() {
        for (String src : List.of("Module A {", "$a = {", "$a = [1, 2", "$a = \"abc", "Workflow W { Saga {", "$a = (", "Module")) {
            CheckResult r = checkWithin(() -> SourceFile.of("eof.baton", src));
            assertThat(r.hasErrors()).as(src).isTrue();
            r.diagnostics().forEach(DiagnosticRenderer::render);
        }
    }

    @Test
    void veryLongLineIsRenderedAroundTheCaret() {
        String src = "$a = " + "1 + ".repeat(2_000) + "x";
        CheckResult r = checkWithin(() -> SourceFile.of("long.baton", src));
        String rendered = DiagnosticRenderer.render(r.diagnostics().get(r.diagnostics().size() - 1));
        assertThat(rendered.lines().map(String::length).max(Integer::compare).orElseThrow()).isLessThan(400);
    }
}
