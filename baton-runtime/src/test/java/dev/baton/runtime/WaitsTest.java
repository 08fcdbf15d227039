package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One place knows every wait: each kind of wait a fiber can be in shows in {@link Core#waits()}
 * with what it is on, since when and where — and a snapshot keeps them.
 */
class WaitsTest {
    private static final String PROGRAM = """
            Event W.Ping { n: Int }
            Module Svc [instances: 2] {
                Echo(n: Int) /execute -> Int {
                    return n
                }
            }
            Fault Down [at: 1ms, module: Svc, key: 1, down: 60s]
            Workflow Child {
                Call Svc[1].Echo { n: 1 } [timeout: 30s] -> x
            }
            Workflow Parent {
                Run Child
            }
            Workflow Sleeper {
                Sleep 10s
            }
            Workflow Awaiter {
                Await W.Ping -> p
            }
            Workflow Holder {
                Lock ("k") [lease: 60s] {
                    Sleep 20s
                }
            }
            Workflow Queued {
                Sleep 1ms
                Lock ("k") [lease: 1s] {
                    Sleep 1ms
                }
            }
            Workflow Forker {
                Fork i in [1, 2] {
                    Sleep 30s
                } Join all
            }
            Module Go {
                $t = 0
                Tick [1ms] {
                    $t += 1
                    if $t == 2 {
                        Start Parent [id: "parent"]
                        Start Sleeper [id: "sleeper"]
                        Start Awaiter [id: "awaiter"]
                        Start Holder [id: "holder"]
                        Start Queued [id: "queued"]
                        Start Forker [id: "forker"]
                    }
                }
            }
            """;

    /** The program run to 100 ms: every workflow started and waiting. */
    private static Core runTo100(Plan plan) {
        Core core = new Core(plan, 1, Faults.NONE, new PolicyProvider());
        core.start();
        core.runUntil(100);
        return core;
    }

    @Test
    void everyKindOfWaitIsListedWithWhatItIsOnAndWhere() {
        Plan plan = Programs.plan(PROGRAM);
        Core core = runTo100(plan);
        Map<String, Core.WaitRow> byWaiter = core.waits().stream().collect(Collectors.toMap(Core.WaitRow::waiter, w -> w, (a, b) -> a, TreeMap::new));
        assertThat(byWaiter.keySet()).containsExactly("workflow awaiter", "workflow forker", "workflow forker branch 1", "workflow forker branch 2",
                "workflow holder", "workflow parent", "workflow parent/Child-1", "workflow queued", "workflow sleeper");
        assertThat(byWaiter.get("workflow parent/Child-1").kind()).isEqualTo("reply");
        assertThat(byWaiter.get("workflow parent/Child-1").on()).isEqualTo("Svc[1].Echo");
        assertThat(byWaiter.get("workflow parent").kind()).isEqualTo("child");
        assertThat(byWaiter.get("workflow parent").on()).isEqualTo("parent/Child-1");
        assertThat(byWaiter.get("workflow sleeper").kind()).isEqualTo("timer");
        assertThat(byWaiter.get("workflow awaiter").kind()).isEqualTo("event");
        assertThat(byWaiter.get("workflow holder").kind()).isEqualTo("timer");
        assertThat(byWaiter.get("workflow queued").kind()).isEqualTo("lock");
        assertThat(byWaiter.get("workflow queued").on()).isEqualTo("k");
        assertThat(byWaiter.get("workflow forker").kind()).isEqualTo("join");
        assertThat(byWaiter.get("workflow forker").on()).isEqualTo("2 of 2 branches (needs 2)");
        assertThat(byWaiter.get("workflow forker branch 2").kind()).isEqualTo("timer");
        // where each waits: the statement's position in the program
        assertThat(byWaiter.get("workflow sleeper").position()).startsWith("test.baton:15:");
        assertThat(byWaiter.get("workflow awaiter").position()).startsWith("test.baton:18:");
        assertThat(byWaiter.get("workflow queued").position()).startsWith("test.baton:27:");
        // since when: the workflows started at 2 ms, the queued one asked for the lock at 3 ms
        assertThat(byWaiter.get("workflow sleeper").since()).isEqualTo(2);
        assertThat(byWaiter.get("workflow queued").since()).isEqualTo(3);

        // the waits end as their causes do: the event wakes the awaiter, the lock goes to the queued one
        core.inject("test", 1, plan.eventIndex("W.Ping"), org.pcollections.TreePMap.singleton("n", (Object) 1L));
        core.runUntil(20_100);
        List<String> waiters = core.waits().stream().map(Core.WaitRow::waiter).toList();
        assertThat(waiters).doesNotContain("workflow awaiter", "workflow holder", "workflow queued");
        assertThat(waiters).contains("workflow parent", "workflow forker");
    }

    @Test
    void aSnapshotKeepsEveryWait() throws Exception {
        Plan plan = Programs.plan(PROGRAM);
        Core core = runTo100(plan);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CoreCodec.write(core, new DataOutputStream(bytes));
        Core restored = CoreCodec.read(plan, Faults.NONE, new PolicyProvider(), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(restored.waits()).isEqualTo(core.waits());
        core.runUntil(40_000);
        restored.runUntil(40_000);
        assertThat(restored.traceHash()).isEqualTo(core.traceHash());
        assertThat(restored.waits()).isEqualTo(core.waits());
    }

    @Test
    void aSnapshotOfTheFormatBeforeRestoresWithWhatEachWaitIsOnWorkedOut() throws Exception {
        Plan plan = Programs.plan(PROGRAM);
        Core core = runTo100(plan);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CoreCodec.write(core, new DataOutputStream(bytes));
        // format 7 is format 8 without its last section (the shared forks: none here, an int 0), and
        // format 6 is format 7 without its own (a kind byte and a since long per suspended fiber)
        byte[] eight = bytes.toByteArray();
        byte[] seven = java.util.Arrays.copyOf(eight, eight.length - 4);
        java.nio.ByteBuffer.wrap(seven).putInt(0, 7);
        Core restored7 = CoreCodec.read(plan, Faults.NONE, new PolicyProvider(), new DataInputStream(new ByteArrayInputStream(seven)));
        assertThat(restored7.waits()).isEqualTo(core.waits());
        int waits = core.waits().size();
        byte[] six = java.util.Arrays.copyOf(seven, seven.length - waits * 9);
        java.nio.ByteBuffer.wrap(six).putInt(0, 6);
        Core restored = CoreCodec.read(plan, Faults.NONE, new PolicyProvider(), new DataInputStream(new ByteArrayInputStream(six)));
        Map<String, String> kinds = new TreeMap<>();
        for (Core.WaitRow w : core.waits()) kinds.put(w.waiter(), w.kind());
        Map<String, String> restoredKinds = new TreeMap<>();
        for (Core.WaitRow w : restored.waits()) {
            restoredKinds.put(w.waiter(), w.kind());
            assertThat(w.since()).as("not recorded before format 7").isEqualTo(-1);
        }
        assertThat(restoredKinds).isEqualTo(kinds);
        core.runUntil(40_000);
        restored.runUntil(40_000);
        assertThat(restored.traceHash()).isEqualTo(core.traceHash());

        java.nio.ByteBuffer.wrap(six).putInt(0, 99);
        assertThatThrownBy(() -> CoreCodec.read(plan, Faults.NONE, new PolicyProvider(), new DataInputStream(new ByteArrayInputStream(six))))
                .hasMessageContaining("snapshot format 99 is not supported");
    }
}
