package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.plan.Plan;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A snapshot taken at any moment and restored into a fresh core continues exactly as the
 * original: the same final state and trace hash, with or without faults.
 */
class SnapshotRoundTripTest {
    private static final Plan PLAN = Programs.plan(Scenarios.BOSS);

    @Property(tries = 25)
    void restoredCoreContinuesIdentically(@ForAll @LongRange(min = 1, max = 1000) long seed,
                                          @ForAll @IntRange(min = 0, max = 3000) int snapshotAt,
                                          @ForAll boolean faults) throws IOException {
        Faults f = faults ? Faults.parse("crash=2,delay=0.2,duplicate=0.1,drop=0.05") : Faults.NONE;
        Core original = new Core(PLAN, seed, f, new PolicyProvider());
        original.start();
        original.runUntil(snapshotAt);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CoreCodec.write(original, new DataOutputStream(bytes));
        Core restored = CoreCodec.read(PLAN, f, new PolicyProvider(), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));

        // the snapshot of the restored core is byte-identical
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        CoreCodec.write(restored, new DataOutputStream(again));
        assertThat(again.toByteArray()).isEqualTo(bytes.toByteArray());

        original.runUntil(6000);
        restored.runUntil(6000);
        assertThat(restored.traceHash()).isEqualTo(original.traceHash());
        assertThat(restored.globals()).isEqualTo(original.globals());
        assertThat(restored.moduleState("Shard")).isEqualTo(original.moduleState("Shard"));
        assertThat(restored.moduleState("Authority")).isEqualTo(original.moduleState("Authority"));
    }

    /**
     * A handler changes a state map in place, then waits on a call that will fail; a snapshot
     * taken while it waits must hold the map as it was before the handler (its rollback copy),
     * so the restored core rolls back to the same value as the original.
     */
    @org.junit.jupiter.api.Test
    void aSuspendedHandlersInPlaceMapChangesRollBackAfterARestore() throws IOException {
        Plan plan = Programs.plan("""
                Event P.Hit { who: String, n: Int }
                Fault Outage [at: 0s, module: Slow, key: 0, down: 10s]
                Module M {
                    $by: Map<Int> = { keep: 1 }
                    $kept = 0
                    ON (P.Hit) {
                        $by[{who}] = get($by, {who}, 0) + {n}
                        $by["keep"] = none
                        if {n} > 1 {
                            Call Slow.Ping {} [timeout: 300ms]
                        }
                        $kept += 1
                    }
                }
                Module Slow {
                    Ping() /execute {
                        return 1
                    }
                }
                Load L [total: 2, rate: 10] {
                    Emit P.Hit { who: "ann", n: seq + 1 }
                }
                """);
        Core original = new Core(plan, 1, Faults.NONE, new PolicyProvider());
        original.start();
        original.runUntil(250); // the second handler (n = 2) is waiting on its call
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CoreCodec.write(original, new DataOutputStream(bytes));
        Core restored = CoreCodec.read(plan, Faults.NONE, new PolicyProvider(), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        original.runUntil(3000);
        restored.runUntil(3000);
        // the first event's changes stay; the second's are rolled back when its call fails
        java.util.Map<String, Object> expected = java.util.Map.of("ann", 1L);
        assertThat(original.moduleState("M").values().iterator().next()).containsEntry("by", expected).containsEntry("kept", 1L);
        assertThat(restored.moduleState("M")).isEqualTo(original.moduleState("M"));
    }
}
