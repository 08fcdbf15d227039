package dev.baton.lang;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code ```baton} block in docs/language.md is a test: it must check clean, or give
 * exactly the diagnostics its {@code # expect:} comments name. The reference cannot drift
 * from the language.
 */
class DocsExamplesTest {
    record Block(int line, String text) {
    }

    static List<Block> blocks(Path doc) throws Exception {
        List<String> lines = Files.readAllLines(doc);
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("```baton")) continue;
            int start = i + 1;
            StringBuilder b = new StringBuilder();
            for (i = start; i < lines.size() && !lines.get(i).strip().equals("```"); i++) b.append(lines.get(i)).append('\n');
            out.add(new Block(start + 1, b.toString()));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> languageReferenceExamples() throws Exception {
        List<Block> blocks = blocks(Path.of("../docs/language.md"));
        assertThat(blocks).as("the reference has an example per construct").hasSizeGreaterThanOrEqualTo(20);
        return blocks.stream().map(b -> DynamicTest.dynamicTest("docs/language.md:" + b.line(), () -> {
            SourceFile file = SourceFile.of("docs/language.md@" + b.line(), b.text());
            assertThat(Expectations.compare(file, Baton.check(file).diagnostics())).isEmpty();
        }));
    }

    @TestFactory
    Stream<DynamicTest> readmeExamples() throws Exception {
        return blocks(Path.of("../README.md")).stream().map(b -> DynamicTest.dynamicTest("README.md:" + b.line(), () -> {
            SourceFile file = SourceFile.of("README.md@" + b.line(), b.text());
            assertThat(Expectations.compare(file, Baton.check(file).diagnostics())).isEmpty();
        }));
    }
}
