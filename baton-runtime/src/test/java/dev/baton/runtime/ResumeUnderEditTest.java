package dev.baton.runtime;

import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A data directory resumes under an edited program when the edit changes nothing (comments,
 * layout) — from its snapshot, to the same end as an uninterrupted run — and is refused, naming
 * what changed, when the edit changes the program's meaning.
 */
class ResumeUnderEditTest {
    static final String PROGRAM = """
            $total = 0
            Module Counter [instances: 4] {
                $n = 0
                Tick [10ms] {
                    $n += 1
                    $total += 1
                }
            }
            Workflow Idle(x: Int) -> Int {
                Sleep 1s
                return x
            }
            """;

    /** The same program, commented and laid out differently. */
    static final String RELAID = """
            # a counter per shard
            $total   =   0

            Module Counter [instances: 4] {   # four of them
                $n = 0
                Tick [10ms] {
                    $n += 1     # one more
                    $total += 1
                }
            }

            # a workflow nobody starts
            Workflow Idle(x: Int) -> Int {
                Sleep 1s
                return x
            }
            """;

    private static RunReport stopMidway(Plan plan, Path dir) throws IOException {
        AtomicInteger slices = new AtomicInteger();
        EngineOptions o = EngineOptions.defaults().withDuration(Duration.ofSeconds(3)).withDataDir(dir)
                .withStop(() -> slices.incrementAndGet() > 40);
        try {
            return new EmbeddedEngine(plan, o).run();
        } catch (EmbeddedEngine.Stopped stopped) {
            return null;
        }
    }

    @Test
    void aCommentAndLayoutEditResumesFromTheSnapshotToTheSameEnd(@TempDir Path dir) throws IOException {
        RunReport whole = new EmbeddedEngine(Programs.plan(PROGRAM), EngineOptions.defaults().withDuration(Duration.ofSeconds(3))).run();
        assertThat(stopMidway(Programs.plan(PROGRAM), dir.resolve("d"))).as("stopped before its end").isNull();
        java.util.List<String> notes = new java.util.ArrayList<>();
        RunReport resumed = new EmbeddedEngine(Programs.plan(RELAID), EngineOptions.defaults().withDuration(Duration.ofSeconds(3))
                .withDataDir(dir.resolve("d")).withNotices(notes::add)).run();
        assertThat(resumed.resumed()).isTrue();
        assertThat(resumed.traceHash()).isEqualTo(whole.traceHash());
        assertThat(resumed.globals()).isEqualTo(whole.globals());
        // and once more after another such edit: the first text's snapshot is still the same program
        assertThat(Programs.plan(RELAID.replace("# four of them", "# four")).digest).isNotEqualTo(Programs.plan(RELAID).digest);
    }

    @Test
    void aChangeOfMeaningIsRefusedNamingWhatChanged(@TempDir Path dir) throws IOException {
        assertThat(stopMidway(Programs.plan(PROGRAM), dir.resolve("d"))).isNull();
        String changed = PROGRAM.replace("$total += 1", "$total += 2").replace("Sleep 1s", "Sleep 2s") + "Module Extra {\n    $m = 0\n}\n";
        assertThatThrownBy(() -> new EmbeddedEngine(Programs.plan(changed), EngineOptions.defaults().withDataDir(dir.resolve("d"))).run())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("under a program whose meaning has changed since (changed: Module Counter, Workflow Idle; added: Module Extra)");
        // the run is untouched: it resumes under its own program
        RunReport r = new EmbeddedEngine(Programs.plan(PROGRAM), EngineOptions.defaults().withDuration(Duration.ofSeconds(3))
                .withDataDir(dir.resolve("d"))).run();
        assertThat(r.resumed()).isTrue();
    }
}
