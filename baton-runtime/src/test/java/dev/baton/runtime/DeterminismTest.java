package dev.baton.runtime;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Same seed, same run — byte for byte; different seeds, different runs. */
class DeterminismTest {
    private static final Faults FAULTS = Faults.parse("crash=3,delay=0.2,duplicate=0.1,drop=0.05");

    private static RunReport sim(long seed) {
        return Programs.report(Scenarios.BOSS, EngineOptions.defaults().withSeed(seed).withFaults(FAULTS));
    }

    @Test
    void sameSeedSameTraceHash() {
        for (long seed : new long[] {1, 7, 42}) {
            RunReport a = sim(seed);
            RunReport b = sim(seed);
            assertThat(b.traceHash()).isEqualTo(a.traceHash());
            assertThat(b.globals()).isEqualTo(a.globals());
            assertThat(b.counters()).usingRecursiveComparison().ignoringFields("events_per_second").isEqualTo(
                    withoutRate(a));
        }
    }

    private static Object withoutRate(RunReport r) {
        java.util.Map<String, Object> c = new java.util.LinkedHashMap<>(r.counters());
        c.remove("events_per_second");
        return c;
    }

    @Test
    void differentSeedsDifferentTraceHashes() {
        Set<String> hashes = new HashSet<>();
        for (long seed = 1; seed <= 8; seed++) hashes.add(sim(seed).traceHash());
        assertThat(hashes).hasSize(8);
    }

    @Test
    void faultsNeverDuplicateOrLoseADelta() {
        // every pushed delta is applied exactly once, whatever the network does
        for (long seed = 1; seed <= 100; seed++) {
            RunReport r = sim(seed);
            long pushed = (Long) r.modules().get("Shard").get("sum(pushed)");
            long applied = (Long) r.modules().get("Authority").get("applied");
            assertThat(applied).as("seed %d: %s", seed, r.counters()).isEqualTo(pushed);
        }
    }
}
