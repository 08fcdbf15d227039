package dev.baton.runtime;

import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** Test helpers: compile a program text and run it. */
final class Programs {
    private Programs() {
    }

    static Plan plan(String source) {
        CheckResult checked = Baton.check("test.baton", source);
        assertThat(checked.diagnostics()).as("the test program checks clean").filteredOn(d -> d.isError()).isEmpty();
        try {
            return Compiler.compile(checked);
        } catch (Compiler.PlanException e) {
            throw new AssertionError(e.getMessage());
        }
    }

    static EmbeddedEngine run(String source, EngineOptions options) {
        EmbeddedEngine engine = new EmbeddedEngine(plan(source), options);
        try {
            engine.run();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return engine;
    }

    static RunReport report(String source, EngineOptions options) {
        try {
            return new EmbeddedEngine(plan(source), options).run();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
