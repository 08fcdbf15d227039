package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Waits that form a cycle are found the moment the cycle closes — not at a timeout or a lease's
 * end — reported in order with positions and the waits behind them, and one wait, chosen the
 * same way every time, fails so that the rest go on.
 */
class DeadlockTest {
    /** Starts the named workflows (id = name in lower case) at 2 ms, one per line of the Tick. */
    private static String starter(String... workflows) {
        StringBuilder b = new StringBuilder("Module Go {\n    $t = 0\n    Tick [1ms] {\n        $t += 1\n        if $t == 2 {\n");
        for (String w : workflows) b.append("            Start ").append(w).append(" [id: \"").append(w.toLowerCase()).append("\"]\n");
        return b.append("        }\n    }\n}\n").toString();
    }

    private static Core run(String program, long untilMs) {
        Plan plan = Programs.plan(program);
        Core core = new Core(plan, 1, Faults.NONE, new PolicyProvider());
        core.start();
        core.runUntil(untilMs);
        return core;
    }

    private static String status(Core core, String id) {
        return String.valueOf(core.describeWorkflow(id).get("status"));
    }

    @Test
    void twoModulesCallingEachOtherAreFoundAtOnceAndTheQueuedCallFails() {
        String program = """
                Module A {
                    Ping() /execute -> Int {
                        Call B.Pong {} [timeout: 30s] -> x
                        return x
                    }
                    Back() /execute -> Int {
                        return 1
                    }
                }
                Module B {
                    $calls = 0
                    Pong() /execute -> Int {
                        $calls += 1
                        Call A.Back {} [timeout: 30s] -> y
                        return y
                    }
                }
                Workflow W {
                    Call A.Ping {} [timeout: 60s] -> r
                }
                """ + starter("W");
        Core core = run(program, 5_000);
        List<Core.Deadlock> found = core.deadlocks();
        assertThat(found).hasSize(1);
        Core.Deadlock d = found.get(0);
        assertThat(d.code()).isEqualTo("B0601");
        // found within milliseconds of engine time: the calls' 30 s timeouts never came into it
        assertThat(d.time()).isLessThan(100);
        assertThat(d.cycle()).hasSize(2);
        assertThat(d.cycle()).anySatisfy(w -> assertThat(w).startsWith("A[").contains("test.baton:3:").contains("waits for the reply of B"));
        assertThat(d.cycle()).anySatisfy(w -> assertThat(w).startsWith("B[").contains("test.baton:14:").contains("calls A").contains("queued behind"));
        // the queued call is the one that fails: B's handler (rolled back), then A's, then the workflow
        assertThat(d.failed()).startsWith("B[");
        assertThat(status(core, "w")).isEqualTo("FAILED");
        assertThat(String.valueOf(core.describeWorkflow("w").get("error"))).contains("deadlock B0601");
        assertThat(core.moduleState("B").values().iterator().next().get("calls")).isEqualTo(0L);
        assertThat(core.waits()).isEmpty();
        assertThat(core.stats().deadlocks).isEqualTo(1);
    }

    @Test
    void aCycleOfThreeModulesAndACallToItselfAreFound() {
        String three = """
                Module A {
                    Go() /execute {
                        Call B.Go {} [timeout: 30s]
                    }
                    End() /execute {
                    }
                }
                Module B {
                    Go() /execute {
                        Call C.Go {} [timeout: 30s]
                    }
                }
                Module C {
                    Go() /execute {
                        Call A.End {} [timeout: 30s]
                    }
                }
                Workflow W {
                    Call A.Go {} [timeout: 60s]
                }
                """ + starter("W");
        Core core = run(three, 5_000);
        assertThat(core.deadlocks()).hasSize(1);
        Core.Deadlock d = core.deadlocks().get(0);
        assertThat(d.cycle()).hasSize(3);
        // in order: each waits on the next, and the last on the first
        int a = indexOf(d.cycle(), "A[");
        assertThat(d.cycle().get((a + 1) % 3)).startsWith("B[");
        assertThat(d.cycle().get((a + 2) % 3)).startsWith("C[");
        assertThat(d.failed()).startsWith("C[");

        String self = """
                Module S [instances: 2] {
                    Outer(next: Int) /execute {
                        Call S[next].Inner {} [timeout: 30s]
                    }
                    Inner() /execute {
                    }
                }
                Workflow W {
                    Call S[1].Outer { next: 0 } [timeout: 60s]
                    Call S[0].Outer { next: 0 } [timeout: 60s]
                }
                """ + starter("W");
        Core selfCore = run(self, 5_000);
        assertThat(selfCore.deadlocks()).hasSize(1);
        // S[1] calling S[0] goes through; S[0] calling itself (a key the checker cannot know) waits on itself
        assertThat(selfCore.deadlocks().get(0).cycle()).singleElement().asString().startsWith("S[0]").contains("its own handler");
    }

    @Test
    void aLockCycleOfTwoAgentsWithATailIsFoundWithEveryWaitAndItsPosition() {
        String program = """
                Workflow North {
                    Lock ("a") [lease: 60s] {
                        Sleep 10ms
                        Lock ("b") [lease: 60s] {
                            Sleep 1ms
                        }
                    }
                }
                Workflow South {
                    Lock ("b") [lease: 60s] {
                        Sleep 10ms
                        Lock ("a") [lease: 60s] {
                            Sleep 1ms
                        }
                    }
                }
                Workflow Late {
                    Sleep 3ms
                    Lock ("a") [lease: 60s] {
                        Sleep 1ms
                    }
                }
                """ + starter("North", "South", "Late");
        Core core = run(program, 5_000);
        assertThat(core.deadlocks()).hasSize(1);
        Core.Deadlock d = core.deadlocks().get(0);
        // found when the second request closed the cycle (at 12 ms), not when a 60 s lease ran out
        assertThat(d.time()).isEqualTo(12);
        assertThat(d.cycle()).hasSize(2);
        assertThat(d.cycle()).anySatisfy(w -> assertThat(w).startsWith("workflow north at test.baton:4:").contains("'b'").contains("held by workflow south"));
        assertThat(d.cycle()).anySatisfy(w -> assertThat(w).startsWith("workflow south at test.baton:12:").contains("'a'").contains("held by workflow north"));
        assertThat(d.behind()).singleElement().asString().startsWith("workflow late at test.baton:19:");
        // both asked at 12 ms: the later-started agent's wait fails; the other two go on
        assertThat(d.failed()).isEqualTo("workflow south");
        assertThat(status(core, "south")).isEqualTo("FAILED");
        assertThat(status(core, "north")).isEqualTo("COMPLETED");
        assertThat(status(core, "late")).isEqualTo("COMPLETED");
        assertThat(core.stats().leasesExpired).isZero();
    }

    @Test
    void aLockCycleOfThreeAgentsAndABranchWaitingOnItsParentsLock() {
        String three = """
                Workflow One {
                    Lock ("a") [lease: 60s] {
                        Sleep 10ms
                        Lock ("b") {
                        }
                    }
                }
                Workflow Two {
                    Lock ("b") [lease: 60s] {
                        Sleep 20ms
                        Lock ("c") {
                        }
                    }
                }
                Workflow Three {
                    Lock ("c") [lease: 60s] {
                        Sleep 30ms
                        Lock ("a") {
                        }
                    }
                }
                """ + starter("One", "Two", "Three");
        Core core = run(three, 5_000);
        assertThat(core.deadlocks()).hasSize(1);
        Core.Deadlock d = core.deadlocks().get(0);
        assertThat(d.time()).isEqualTo(32);
        assertThat(d.cycle()).hasSize(3);
        assertThat(d.failed()).isEqualTo("workflow three"); // the latest request
        assertThat(status(core, "one")).isEqualTo("COMPLETED");
        assertThat(status(core, "two")).isEqualTo("COMPLETED");
        assertThat(status(core, "three")).isEqualTo("FAILED");

        String branch = """
                Workflow Parent {
                    Lock ("k") [lease: 60s] {
                        Fork {
                            Branch inner {
                                Lock ("k") {
                                    return 1
                                }
                            }
                        } Join all -> r
                    }
                }
                """ + starter("Parent");
        Core forked = run(branch, 5_000);
        assertThat(forked.deadlocks()).hasSize(1);
        Core.Deadlock fd = forked.deadlocks().get(0);
        assertThat(fd.cycle()).anySatisfy(w -> assertThat(w).startsWith("workflow parent at").contains("joins its branch 1"));
        assertThat(fd.cycle()).anySatisfy(w -> assertThat(w).startsWith("workflow parent branch 1").contains("held by workflow parent"));
        assertThat(fd.failed()).isEqualTo("workflow parent branch 1");
        assertThat(status(forked, "parent")).isEqualTo("FAILED");
        assertThat(forked.waits()).isEmpty();
    }

    @Test
    void theSameRunFindsTheSameDeadlocksAndTheSameTrace() {
        String program = """
                Module A {
                    Ping(n: Int) /execute {
                        Call B.Pong {} [timeout: 30s]
                    }
                    Back() /execute {
                    }
                }
                Module B {
                    Pong() /execute {
                        Call A.Back {} [timeout: 30s]
                    }
                }
                Workflow W(n: Int) {
                    Call A.Ping { n: n } [timeout: 60s]
                }
                Module Go {
                    $t = 0
                    Tick [1ms] {
                        $t += 1
                        if $t <= 20 {
                            Start W { n: $t } [id: "w" + str($t)]
                        }
                    }
                }
                """;
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        Plan plan = Programs.plan(program);
        long[] hashes = new long[2];
        for (int round = 0; round < 2; round++) {
            Core core = new Core(plan, 7, Faults.parse("delay=0.2,duplicate=0.1"), new PolicyProvider());
            core.start();
            core.runUntil(120_000);
            for (Core.Deadlock d : core.deadlocks()) (round == 0 ? first : second).add(d.time() + " " + d.cycle() + " " + d.failed());
            hashes[round] = core.traceHash();
        }
        assertThat(first).isNotEmpty().isEqualTo(second);
        assertThat(hashes[0]).isEqualTo(hashes[1]);
    }

    @Test
    void longButProgressingWaitsAreNeverReportedOverAHundredFaultSeeds() {
        // calls queue behind busy handlers two levels deep, workflows contend for overlapping locks
        // and their branches for one more: long waits, every one of which ends (about 13,000 searches
        // over the hundred seeds, each finding no cycle)
        String program = """
                Module Store [instances: 3] {
                    $n = 0
                    Put(v: Int) /execute -> Int {
                        Call Audit[v % 2].Log { v: v } [timeout: 2s, retry: 5] -> x
                        $n += 1
                        return x
                    }
                }
                Module Audit [instances: 2] {
                    $seen = 0
                    Log(v: Int) /execute -> Int {
                        Call Ledger.Add { v: v } [timeout: 1s, retry: 5] -> t
                        $seen += 1
                        return t
                    }
                }
                Module Ledger {
                    $total = 0
                    Add(v: Int) /execute -> Int {
                        $total += v
                        return $total
                    }
                }
                Workflow Job(n: Int) {
                    Lock ("k" + str(n % 6), "k" + str((n + 1) % 6)) [lease: 10s] {
                        Call Store[n % 3].Put { v: n } [timeout: 5s, retry: 5] -> r
                        Sleep 5ms
                    }
                    Fork i in [1, 2] {
                        Lock ("shared") [lease: 10s] {
                            Sleep 1ms
                        }
                        return i
                    } Join all
                }
                Module Go {
                    $t = 0
                    Tick [1ms] {
                        $t += 1
                        if $t <= 40 {
                            Start Job { n: $t } [id: "job" + str($t)]
                        }
                    }
                }
                """;
        Plan plan = Programs.plan(program);
        Faults faults = Faults.parse("crash=2,duplicate=0.05,delay=0.2,drop=0.02");
        long completed = 0;
        for (long seed = 1; seed <= 100; seed++) {
            Core core = new Core(plan, seed, faults, new PolicyProvider());
            core.start();
            // until every wait has ended (the ticker ticks on), at most ten minutes of engine time
            for (long t = 1_000; t <= 600_000 && (t == 1_000 || !core.waits().isEmpty()); t += 1_000) core.runUntil(t);
            assertThat(core.deadlocks()).as("seed %d", seed).isEmpty();
            assertThat(core.waits()).as("seed %d: every wait ended", seed).isEmpty();
            completed += core.workflowsByStatus().getOrDefault("COMPLETED", 0L);
        }
        assertThat(completed).as("most jobs get through their waits").isGreaterThan(100 * 40 * 9 / 10);
    }

    private static int indexOf(List<String> cycle, String prefix) {
        for (int i = 0; i < cycle.size(); i++) if (cycle.get(i).startsWith(prefix)) return i;
        throw new AssertionError("no wait of " + prefix + " in " + cycle);
    }
}
