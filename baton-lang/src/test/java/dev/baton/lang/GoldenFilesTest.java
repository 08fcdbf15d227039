package dev.baton.lang;

import dev.baton.lang.ast.AstDump;
import dev.baton.lang.format.Formatter;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden files: for each {@code golden/NAME.baton}, the parse tree ({@code .ast}), the
 * canonical layout ({@code .fmt}, when it parses) and the rendered diagnostics
 * ({@code .diag}). Regenerate with {@code mvn test -Dgolden.update=true}, then review the diff.
 */
class GoldenFilesTest {
    private static final Path DIR = Path.of("src/test/resources/golden");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    @TestFactory
    Stream<DynamicTest> golden() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(p -> p.toString().endsWith(".baton")).sorted().toList().stream()
                    .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> compare(p)));
        }
    }

    private static void compare(Path source) throws IOException {
        String base = source.getFileName().toString().replace(".baton", "");
        SourceFile file = SourceFile.of(base + ".baton", Files.readString(source, StandardCharsets.UTF_8));
        ParseResult parsed = Baton.parse(file);
        CheckResult checked = Baton.check(file);
        check(DIR.resolve(base + ".ast"), AstDump.dump(parsed.program()) + "\n");
        check(DIR.resolve(base + ".diag"), checked.diagnostics().stream().map(DiagnosticRenderer::render).collect(Collectors.joining()));
        if (!parsed.hasErrors()) {
            String formatted = Formatter.format(parsed);
            check(DIR.resolve(base + ".fmt"), formatted);
            assertThat(Formatter.format(Baton.parse(SourceFile.of("again", formatted)))).isEqualTo(formatted);
        }
    }

    private static void check(Path golden, String actual) throws IOException {
        if (UPDATE) {
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
            return;
        }
        assertThat(golden).as("golden file %s is missing; run mvn test -Dgolden.update=true", golden).exists();
        assertThat(actual).as("%s differs; if the change is intended, regenerate with -Dgolden.update=true", golden)
                .isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }
}
