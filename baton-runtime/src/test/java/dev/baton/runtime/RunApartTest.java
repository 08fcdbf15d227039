package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.Stats;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.internal.exec.Detached;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Self-contained workflows run apart (see {@link Detached}): which workflows qualify, that a run
 * apart ends exactly as the same workflow run inline, and that a core which must wait for a run
 * apart's outcome (as on Temporal, where it is a child workflow) holds its time and then goes on
 * exactly as one that knew the outcome all along.
 */
class RunApartTest {
    /**
     * {@code Tree} and {@code Leaf} touch nothing but their arguments unless {@code %SRC%} reads a
     * global (which changes nothing else): the same program then runs them inline.
     */
    /** Starts the workflow {@code Main} once, at 1 ms. */
    static final String STARTER = """
            Module Go {
                $started = false
                Tick [1ms] {
                    if not $started {
                        $started = true
                        Start Main [id: "main"]
                    }
                }
            }
            """;

    static final String PROGRAM = STARTER + """
            $zero = 0
            $results = []
            Workflow Main {
                Run Tree { n: 3, label: "r" } -> total
                $results = append($results, total)
                Fork {
                    Branch slow {
                        Run Leaf { ms: 300, label: "slow" } -> x
                        return x
                    }
                    Branch fast {
                        Run Leaf { ms: 100, label: "fast" } -> y
                        return y
                    }
                } Join any -> first
                $results = append($results, first)
                Fork k in range(3) [max: 3] {
                    Run Tree { n: 2, label: "bad" + str(k) } -> part
                    return part
                } Join 2 [on_failure: continue] -> parts
                $results = append($results, parts)
                Run Chain { n: 9 } -> too_deep
                $results = append($results, too_deep)
            }
            Workflow Chain(n: Int) -> Int [max_depth: 6] {
                let unused = %SRC%
                if n == 0 {
                    return 0
                }
                Run Chain { n: n - 1 } -> below
                return below + 1
            }
            Workflow Tree(n: Int, label: String) -> Int [max_depth: 6, max_children: 4] {
                let unused = %SRC%
                if n == 0 {
                    Sleep 10ms * (len(label) % 3 + 1)
                    return now()
                }
                if label == "bad1" {
                    Fail "bad subtree " + label
                }
                Fork k in range(2) [max: 2] {
                    Run Tree { n: n - 1, label: label + str(k) } -> part
                    return part
                } Join all -> parts
                return parts[0] + parts[1]
            }
            Workflow Leaf(ms: Int, label: String) -> String {
                let unused = %SRC%
                Sleep 1ms * ms
                return label + "@" + str(now())
            }
            """;

    static Plan plan(boolean apart) {
        return Programs.plan(PROGRAM.replace("%SRC%", apart ? "0" : "$zero"));
    }

    @Test
    void selfContainedWorkflowsAreFoundTransitively() {
        Plan apart = plan(true);
        Plan inline = plan(false);
        assertThat(flags(apart)).isEqualTo(Map.of("Main", false, "Tree", true, "Leaf", true, "Chain", true));
        assertThat(flags(inline)).isEqualTo(Map.of("Main", false, "Tree", false, "Leaf", false, "Chain", false));
        Plan p = Programs.plan("""
                Param n: Int = 3
                $g = 0
                Event E.Done { x: Int }
                AI Helper [provider: "policy"]
                Workflow Pure(x: Int) -> Int {
                    Ask Helper { x: x + $n } expect Int otherwise 0 -> y
                    Run Deeper { x: y } -> z
                    return z
                }
                Workflow Deeper(x: Int) -> Int {
                    Sleep 1ms
                    return x + random_int(0, 3)
                }
                Workflow RunsImpure {
                    Run Emits
                }
                Workflow Emits {
                    Emit E.Done { x: 1 }
                }
                Workflow ReadsGlobal -> Int {
                    return $g
                }
                Workflow Counts -> Int {
                    return stat("decisions")
                }
                """);
        assertThat(flags(p)).isEqualTo(Map.of("Pure", true, "Deeper", true, "RunsImpure", false, "Emits", false,
                "ReadsGlobal", false, "Counts", false));
    }

    private static Map<String, Boolean> flags(Plan p) {
        Map<String, Boolean> out = new HashMap<>();
        for (Plan.WorkflowPlan w : p.workflows) out.put(w.name(), w.detachable());
        return out;
    }

    /**
     * Without random draws, a workflow run apart and the same workflow run inline give the same
     * run: results (engine times included), failures, runtime errors, workflow counts and states.
     * Only the trace differs (the run apart's own steps are not in the run's trace).
     */
    @Test
    void aRunApartEndsExactlyAsTheSameWorkflowInline() {
        RunReport apart = report(plan(true));
        RunReport inline = report(plan(false));
        assertThat(apart.globals()).isEqualTo(inline.globals());
        assertThat(apart.counters()).isEqualTo(inline.counters());
        assertThat(apart.workflows()).isEqualTo(inline.workflows());
        assertThat(apart.errors()).isEqualTo(inline.errors());
        assertThat(apart.failures()).isEqualTo(inline.failures());
        assertThat(apart.engineTimeMs()).isEqualTo(inline.engineTimeMs());
        assertThat(apart.traceHash()).isNotEqualTo(inline.traceHash());
        // and the program did what it says: a tree of 8 leaves, the fast leaf first, one bad subtree, the depth budget
        @SuppressWarnings("unchecked")
        List<Object> results = (List<Object>) apart.globals().get("results");
        assertThat(results).hasSize(3); // the fourth Run failed (depth budget), so Main failed there
        assertThat(apart.workflows()).containsEntry("FAILED", 8L); // bad1, and the chain of 8 (Main included) that hit the budget
        assertThat(results.get(1)).asString().startsWith("[fast@"); // Join any: the first branch to return
        assertThat((List<Object>) results.get(2)).hasSize(2);
        assertThat(apart.failures()).anyMatch(f -> f.contains("bad subtree bad1"));
        assertThat(apart.errors()).anyMatch(e -> e.contains("exceeds its recursion budget [max_depth: 6]"));
        assertThat(apart.counters().get("workflows_failed")).isNotEqualTo(0L);
    }

    /** A workflow that fails mid-way, while the tree it runs apart is still working on its leaves. */
    static final String CANCELLING = STARTER + """
            $g = 0
            Workflow Main {
                Fork {
                    Branch stop {
                        Sleep 50ms
                        Fail "stop"
                    }
                    Branch work {
                        Run Tree { n: 3 } -> t
                        return t
                    }
                } Join all -> r
            }
            Workflow Tree(n: Int) -> Int {
                let unused = %SRC%
                if n == 0 {
                    Sleep 1s
                    return 1
                }
                Fork k in range(3) [max: 3] {
                    if n == 1 and k == 2 {
                        let x = 1 / (k - 2) # a runtime error before the cancellation: it must be reported
                    }
                    Run Tree { n: n - 1 } -> p
                    return p
                } Join 2 [on_failure: continue] -> ps
                return ps[0] + ps[1]
            }
            """;

    /** Cancelled while running apart, a workflow's work so far counts as it would inline: starts, cancellations, errors. */
    @Test
    void aCancelledRunApartCountsWhatItDidUntilThen() {
        RunReport apart = report(Programs.plan(CANCELLING.replace("%SRC%", "0")));
        RunReport inline = report(Programs.plan(CANCELLING.replace("%SRC%", "$g")));
        assertThat(apart.counters()).isEqualTo(inline.counters());
        assertThat(apart.workflows()).isEqualTo(inline.workflows());
        assertThat(apart.errors()).isEqualTo(inline.errors()).hasSize(9).allMatch(e -> e.contains("division by zero"));
        assertThat(apart.failures()).isEqualTo(inline.failures());
        // Main failed; the tree it ran apart was cancelled with all 30 workflows below it (1 + 3 + 9 + 18 leaves)
        assertThat(apart.workflows()).isEqualTo(Map.of("CANCELLED", 31L, "FAILED", 1L));
    }

    static final String DEEP = STARTER + """
            Param depth = 3000
            $total = -1
            Workflow Main {
                Run Down { left: $depth } -> got
                $total = got
            }
            Workflow Down(left: Int) -> Int [max_depth: 100000] {
                if left <= 0 {
                    return 0
                }
                Sleep 1ms
                Run Down { left: left - 1 } -> below
                return below + 1
            }
            """;

    /**
     * A recursion within its declared budget runs, however deep: thousands of nested runs apart
     * are driven with an explicit stack (no StackOverflowError), and their ids stay short (no
     * quadratic memory). Same result as the recursion run inline, and cancelling the deep tree
     * works too.
     */
    @Test
    void aDeepRecursionRunsApartWithoutOverflowingTheStack() throws Exception {
        Plan plan = Programs.plan(DEEP);
        for (long depth : new long[] {3_000, 50_000}) {
            // 3,000 levels that each wait a while (the tree advances in step with the run), 50,000 that do not
            String src = depth > 10_000 ? DEEP.replace("Sleep 1ms\n", "") : DEEP;
            RunReport r = new EmbeddedEngine(Compiler.compile(dev.baton.lang.Baton.check("deep.baton", src), Map.of("depth", String.valueOf(depth))),
                    EngineOptions.defaults().withDuration(Duration.ofHours(1))).run();
            assertThat(r.errors()).isEmpty();
            assertThat(r.globals().get("total")).isEqualTo(depth);
            assertThat(r.workflows()).isEqualTo(Map.of("COMPLETED", depth + 2));
        }
        // the same recursion inline (a global read makes Down part of the run): the same answer
        Plan inline = Programs.plan(DEEP.replace("if left <= 0 {", "if left <= $total * 0 {"));
        RunReport r = new EmbeddedEngine(inline, EngineOptions.defaults().withDuration(Duration.ofHours(1))).run();
        assertThat(r.globals().get("total")).isEqualTo(3000L);
        assertThat(plan.workflows.stream().filter(w -> w.name().equals("Down")).findFirst().orElseThrow().detachable()).isTrue();
        assertThat(inline.workflows.stream().filter(w -> w.name().equals("Down")).findFirst().orElseThrow().detachable()).isFalse();
    }

    private static RunReport report(Plan plan) {
        try {
            return new EmbeddedEngine(plan, EngineOptions.defaults().withDuration(Duration.ofSeconds(5))).run();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A core whose runs apart tell their outcome late (as Temporal's child workflows do: only once
     * they have returned) holds its engine time at the earliest one's start, and ends with the
     * same trace, globals and counters as a core that knew every outcome at once — also when it is
     * snapshotted and restored while runs apart are out.
     */
    @Test
    void aCoreWaitingForRunsApartGoesOnExactlyAsOneThatKnewTheirOutcomes() throws Exception {
        int totalHolds = 0;
        int totalRestores = 0;
        for (Plan plan : List.of(example("planner.baton"), plan(true), Programs.plan(CANCELLING.replace("%SRC%", "0")))) {
            Core known = new Core(plan, 11, Faults.NONE, new PolicyProvider());
            known.start();
            Core late = new Core(plan, 11, Faults.NONE, new PolicyProvider());
            LateRunner runner = new LateRunner(plan);
            late.setRunner(runner);
            late.start();
            int holds = 0;
            int restores = 0;
            for (long t = 50; t <= 20_000; t += 50) {
                known.runUntil(t);
                while (true) {
                    late.runUntil(t);
                    if (!late.held()) break;
                    holds++;
                    assertThat(late.now()).as("held at a run apart's start").isLessThanOrEqualTo(t);
                    runner.release(); // the child workflows "return"
                }
                if (t % 1000 == 0 && !late.detachedRuns().isEmpty()) {
                    Core restored = CoreCodec.copy(late); // runs apart and known outcomes survive a snapshot
                    LateRunner again = new LateRunner(plan);
                    restored.setRunner(again);
                    late = restored;
                    runner = again;
                    restores++;
                }
                assertThat(late.traceHash()).as("trace at " + t + " ms").isEqualTo(known.traceHash());
            }
            assertThat(holds).as("the core had to wait").isGreaterThan(0);
            assertThat(late.globals()).isEqualTo(known.globals());
            assertThat(late.workflowsByStatus()).isEqualTo(known.workflowsByStatus());
            assertThat(late.errors()).isEqualTo(known.errors());
            assertThat(late.failures()).isEqualTo(known.failures());
            for (java.lang.reflect.Field counter : Stats.class.getFields()) {
                assertThat(counter.get(late.stats())).as(counter.getName()).isEqualTo(counter.get(known.stats()));
            }
            assertThat(late.detachedRuns()).isEmpty();
            totalRestores += restores;
            totalHolds += holds;
        }
        assertThat(totalHolds).isGreaterThan(10);
        assertThat(totalRestores).as("restored while runs apart were out").isGreaterThan(0);
    }

    static Plan example(String name) throws Exception {
        String src = Files.readString(Path.of("../examples", name));
        return dev.baton.runtime.internal.compile.Compiler.compile(dev.baton.lang.Baton.check(name, src));
    }

    /** Computes each run apart in a core of its own, but answers "not known yet" until released. */
    static final class LateRunner implements Detached.Runner {
        private final Plan plan;
        private final Map<String, Detached.Outcome> done = new LinkedHashMap<>();
        private final List<Detached> out = new ArrayList<>();

        LateRunner(Plan plan) {
            this.plan = plan;
        }

        @Override
        public void started(Detached run) {
            out.add(run);
        }

        /** Every run apart started so far returns. */
        void release() {
            for (Detached d : out) {
                if (done.containsKey(d.id)) continue;
                Core c = Core.apart(plan, Faults.NONE, new PolicyProvider(), d);
                c.runUntil(Long.MAX_VALUE / 2);
                done.put(d.id, c.outcome());
            }
        }

        @Override
        public Detached.Outcome at(Detached run, long upTo) {
            if (!out.contains(run)) out.add(run); // restored from a snapshot: started before
            Detached.Outcome o = done.get(run.id);
            if (o == null) return null;
            return o.end() <= upTo ? o : RUNNING;
        }

        @Override
        public Detached.Outcome cancelled(Detached run, long at) {
            out.remove(run);
            return null;
        }

        @Override
        public long nextTime(Detached run) {
            Detached.Outcome o = done.get(run.id);
            return o == null ? run.startedAt : o.end();
        }
    }
}
