package dev.baton.runtime;

import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** examples/world-boss.baton at small scale: every fault and policy, and 100 seeds — every invariant holds. */
class WorldBossTest {
    static Plan plan() throws Exception {
        CheckResult checked = Baton.check("world-boss.baton", Files.readString(Path.of("../examples/world-boss.baton")));
        assertThat(checked.hasErrors()).isFalse();
        // a slower, longer fight than the default: ~4s of engine time, 200,000 attacks
        return Compiler.compile(checked, Map.of("players", "2000", "shards", "8", "boss_hp", "20000000", "attack_rate", "50000"));
    }

    private static RunReport run(Plan plan, long seed, String faults) throws IOException {
        return new EmbeddedEngine(plan, EngineOptions.defaults().withSeed(seed).withFaults(Faults.parse(faults))).run();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(RunReport r, String key) {
        return (Map<String, Object>) r.report().get(key);
    }

    @Test
    void aQuietFightEndsInOneVictoryAndAPersonalRewardPerPlayer() throws Exception {
        RunReport r = run(plan(), 1, "none");
        assertThat(r.failedInvariants()).as("%s", r.report()).isEmpty();
        assertThat(section(r, "boss").get("defeated")).isEqualTo(true);
        assertThat(r.report().get("victory_triggered")).isEqualTo(1L);
        assertThat(section(r, "rewards").get("granted")).isEqualTo(2000L);
        assertThat(section(r, "payments").get("sagas")).isEqualTo(2000L);
        assertThat(section(r, "damage").get("dealt_total")).isEqualTo(section(r, "damage").get("applied_total"));
    }

    @Test
    void aShardCrashUnderEitherPolicyKeepsTheAccountsExact() throws Exception {
        Plan plan = plan();
        RunReport keep = run(plan, 3, "crash=ShardBossController:3,crash-state=keep");
        assertThat(keep.failedInvariants()).as("%s", keep.report()).isEmpty();
        assertThat(section(keep, "damage").get("discarded_in_crashes")).isEqualTo(0L);
        RunReport discard = run(plan, 3, "crash=ShardBossController:3,crash-state=discard");
        assertThat(discard.failedInvariants()).as("%s", discard.report()).isEmpty();
        assertThat(((Number) section(discard, "damage").get("discarded_in_crashes")).longValue())
                .as("unpushed buffers were lost and counted").isPositive();
        assertThat(discard.counters().get("crashes")).isEqualTo(3L);
    }

    @Test
    void anAuthorityLatencySpikeIsAbsorbedByTheBuffers() throws Exception {
        RunReport r = run(plan(), 5, "spike=GlobalAuthority");
        assertThat(r.failedInvariants()).as("%s", r.report()).isEmpty();
        assertThat(section(r, "boss").get("defeated")).isEqualTo(true);
    }

    @Test
    void directorHallucinationsAreRejectedAndCounted() throws Exception {
        RunReport r = run(plan(), 7, "director-hallucination=0.6");
        assertThat(r.failedInvariants()).as("%s", r.report()).isEmpty();
        long injected = (Long) r.counters().get("hallucinations_injected");
        assertThat(injected).isPositive();
        assertThat((Long) section(r, "director").get("rejected")).as("every nonsense answer was rejected").isGreaterThanOrEqualTo(injected);
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void everyInvariantHoldsOverAHundredFaultSeeds() throws Exception {
        Plan plan = plan();
        for (long seed = 1; seed <= 100; seed++) {
            String faults = seed % 2 == 0 ? "crash=2,duplicate=0.05,delay=0.1,hallucinate=0.3"
                    : "crash=ShardBossController:2,crash-state=discard,delay=0.1,spike=GlobalAuthority";
            RunReport r = run(plan, seed, faults);
            assertThat(r.failedInvariants()).as("seed %d (%s): %s", seed, faults, r.report()).isEmpty();
            assertThat(r.errors()).as("seed %d", seed).isEmpty();
        }
    }
}
