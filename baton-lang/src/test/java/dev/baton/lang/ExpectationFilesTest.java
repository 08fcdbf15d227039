package dev.baton.lang;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every {@code .baton} file under {@code src/test/resources/check/} and every example:
 * the diagnostics must be exactly those written in {@code # expect:} comments (none, for the
 * examples).
 */
class ExpectationFilesTest {
    static Stream<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".baton")).sorted().toList().stream();
        }
    }

    @TestFactory
    Stream<DynamicTest> checkFiles() throws IOException {
        return files(Path.of("src/test/resources/check")).map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            SourceFile file = SourceFile.read(p);
            assertThat(Expectations.read(file)).as("a check file states what it expects").isNotEmpty();
            assertThat(Expectations.compare(file, Baton.check(file).diagnostics())).isEmpty();
        }));
    }

    @TestFactory
    Stream<DynamicTest> examplesCheckClean() throws IOException {
        List<Path> examples = files(Path.of("../examples")).toList();
        assertThat(examples).extracting(p -> p.getFileName().toString())
                .contains("world-boss.baton", "economy.baton", "faction.baton", "seed-boss-sync.baton");
        return examples.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            SourceFile file = SourceFile.read(p);
            assertThat(Expectations.compare(file, Baton.check(file).diagnostics())).isEmpty();
        }));
    }
}
