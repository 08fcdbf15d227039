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
}
