package dev.baton.runtime;

import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agents negotiating: one workflow's {@code Join (name)} waits on the fork another shares under
 * that name — its results, its failure, a timeout — across snapshots; and joins that wait on
 * each other's forks in a cycle are a deadlock, found at once.
 */
class SharedForkTest {
    private static Core run(Plan plan, long untilMs) {
        Core core = new Core(plan, 1, Faults.NONE, new PolicyProvider());
        core.start();
        core.runUntil(untilMs);
        return core;
    }

    private static Object result(Core core, String id) {
        return core.describeWorkflow(id).get("result");
    }

    private static String status(Core core, String id) {
        return String.valueOf(core.describeWorkflow(id).get("status"));
    }

    private static final String NEGOTIATION = """
            Workflow North {
                Fork [share: "north-offer"] {
                    Branch terms {
                        Sleep 10ms
                        return "share the pass"
                    }
                    Branch price {
                        Sleep 20ms
                        return 5
                    }
                } Join all -> mine
                return len(mine)
            }
            Workflow South {
                Join ("north-offer") [timeout: 1s] -> theirs
                return theirs
            }
            Workflow Late {
                Sleep 100ms
                Join ("north-offer") -> theirs
                return theirs
            }
            Workflow Nobody -> Bool {
                Join ("east-offer") [timeout: 50ms] -> theirs
                return theirs == none
            }
            Workflow Again {
                Sleep 200ms
                Fork [share: "north-offer"] {
                    Branch x {
                        return 1
                    }
                } Join all
            }
            Module Go {
                $t = 0
                Tick [1ms] {
                    $t += 1
                    if $t == 2 {
                        Start South [id: "south"]
                        Start North [id: "north"]
                        Start Late [id: "late"]
                        Start Nobody [id: "nobody"]
                        Start Again [id: "again"]
                    }
                }
            }
            """;

    @Test
    void aJoinGetsWhatTheSharedForksOwnJoinGetsBeforeOrAfterItIsDecided() {
        Plan plan = Programs.plan(NEGOTIATION);
        Core core = run(plan, 5_000);
        assertThat(status(core, "north")).isEqualTo("COMPLETED");
        // South waited from before the fork began; Late came after it was decided and got it at once
        assertThat(result(core, "south")).isEqualTo(List.of("share the pass", 5L));
        assertThat(result(core, "late")).isEqualTo(List.of("share the pass", 5L));
        assertThat(result(core, "nobody")).isEqualTo(true);
        // a name is shared by one fork per run
        assertThat(status(core, "again")).isEqualTo("FAILED");
        assertThat(String.valueOf(core.describeWorkflow("again").get("error"))).contains("'north-offer' has already run");
        assertThat(core.deadlocks()).isEmpty();
    }

    @Test
    void theWaitShowsWhatItIsOnAndASnapshotKeepsItToTheSameTrace() throws Exception {
        Plan plan = Programs.plan(NEGOTIATION);
        Core core = run(plan, 5);
        Core.WaitRow south = core.waits().stream().filter(w -> w.waiter().equals("workflow south")).findFirst().orElseThrow();
        assertThat(south.kind()).isEqualTo("join");
        assertThat(south.on()).isEqualTo("the fork shared as 'north-offer'");
        assertThat(south.position()).startsWith("test.baton:15:");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CoreCodec.write(core, new DataOutputStream(bytes));
        Core restored = CoreCodec.read(plan, Faults.NONE, new PolicyProvider(), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(restored.waits()).isEqualTo(core.waits());
        core.runUntil(5_000);
        restored.runUntil(5_000);
        assertThat(restored.traceHash()).isEqualTo(core.traceHash());
        assertThat(result(restored, "south")).isEqualTo(List.of("share the pass", 5L));
    }

    @Test
    void aFailedSharedForkFailsTheJoinsOnIt() {
        String program = """
                Workflow North {
                    Fork [share: "offer"] {
                        Branch terms {
                            Sleep 10ms
                            Fail "the council said no"
                        }
                    } Join all
                }
                Workflow South {
                    Join ("offer") [timeout: 1s] -> theirs
                }
                Module Go {
                    $t = 0
                    Tick [1ms] {
                        $t += 1
                        if $t == 2 {
                            Start North [id: "north"]
                            Start South [id: "south"]
                        }
                    }
                }
                """;
        Core core = run(Programs.plan(program), 5_000);
        assertThat(status(core, "south")).isEqualTo("FAILED");
        assertThat(String.valueOf(core.describeWorkflow("south").get("error"))).contains("the fork shared as 'offer' failed").contains("the council said no");
    }

    @Test
    void agentsWhoseJoinsWaitOnEachOthersForksAreADeadlockOfTwoOrThree() {
        String two = """
                Workflow Agent(me: String, other: String) {
                    Fork [share: me] {
                        Branch answer {
                            Join (other) -> theirs
                            return theirs
                        }
                    } Join all -> mine
                }
                Module Go {
                    $t = 0
                    Tick [1ms] {
                        $t += 1
                        if $t == 2 {
                            Start Agent { me: "north", other: "south" } [id: "north"]
                            Start Agent { me: "south", other: "north" } [id: "south"]
                        }
                    }
                }
                """;
        Core core = run(Programs.plan(two), 5_000);
        assertThat(core.deadlocks()).hasSize(1);
        Core.Deadlock d = core.deadlocks().get(0);
        assertThat(d.time()).isLessThan(10);
        assertThat(d.cycle()).hasSize(2);
        assertThat(d.cycle()).anySatisfy(w -> assertThat(w).startsWith("workflow north branch 1 at test.baton:4:")
                .contains("joins the fork shared as 'south'").contains("workflow south branch 1"));
        assertThat(d.cycle()).anySatisfy(w -> assertThat(w).startsWith("workflow south branch 1 at test.baton:4:")
                .contains("joins the fork shared as 'north'"));
        // the later join fails; the fork it was a branch of fails with it, and so does the join on that one
        assertThat(d.failed()).isEqualTo("workflow south branch 1");
        assertThat(core.waits()).isEmpty();
        assertThat(status(core, "south")).isEqualTo("FAILED");
        assertThat(status(core, "north")).isEqualTo("FAILED");
        assertThat(String.valueOf(core.describeWorkflow("north").get("error"))).contains("the fork shared as 'south' failed");

        String three = two.replace("""
                            Start Agent { me: "north", other: "south" } [id: "north"]
                            Start Agent { me: "south", other: "north" } [id: "south"]
                """, """
                            Start Agent { me: "north", other: "south" } [id: "north"]
                            Start Agent { me: "south", other: "east" } [id: "south"]
                            Start Agent { me: "east", other: "north" } [id: "east"]
                """);
        Core ring = run(Programs.plan(three), 5_000);
        assertThat(ring.deadlocks()).hasSize(1);
        assertThat(ring.deadlocks().get(0).cycle()).hasSize(3);
        assertThat(ring.deadlocks().get(0).failed()).isEqualTo("workflow east branch 1");
        assertThat(ring.waits()).isEmpty();
    }

    @Test
    void aJoinOnASharedForkIsCheckedLikeTheRestOfTheLanguage() {
        CheckResult inHandler = Baton.check("t.baton", """
                Module M {
                    Go() /execute {
                        Join ("x") -> r
                    }
                }
                """);
        assertThat(inHandler.diagnostics()).anySatisfy(d -> assertThat(d.code().id()).isEqualTo("B0307"));
        CheckResult badName = Baton.check("t.baton", """
                Workflow W {
                    Join (5) [timeout: 1s] -> r
                    Fork [share: 7] {
                        Branch a {
                            return 1
                        }
                    } Join all
                }
                """);
        assertThat(badName.diagnostics()).filteredOn(d -> d.code().id().equals("B0302")).hasSize(2);
        CheckResult noParens = Baton.check("t.baton", """
                Workflow W {
                    Join "x" -> r
                }
                """);
        assertThat(noParens.diagnostics()).anySatisfy(d -> assertThat(d.message()).contains("'(' and the name another workflow shares its fork under"));
    }
}
