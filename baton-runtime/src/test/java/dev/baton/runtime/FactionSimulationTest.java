package dev.baton.runtime;

import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stress test 3 (examples/faction.baton) under seeded faults — random crashes, duplicated,
 * delayed and dropped messages, and an AI that hallucinates three answers in ten: for every
 * seed the agents plan at least four levels deep, re-plan around the wall, negotiate, finish,
 * and every invariant of the report holds (budgets kept, every goal settled exactly once, no
 * hallucinated plan accepted).
 */
class FactionSimulationTest {
    @Test
    void everyInvariantHoldsForAHundredAndTwentyFaultSeeds() throws IOException {
        Plan plan = Programs.plan(Files.readString(Path.of("../examples/faction.baton")));
        Faults faults = Faults.parse("crash=2,duplicate=0.05,delay=0.1,drop=0.02,hallucinate=0.3");
        long hallucinations = 0;
        long replans = 0;
        for (long seed = 1; seed <= 120; seed++) {
            RunReport r = new EmbeddedEngine(plan, EngineOptions.defaults().withSeed(seed).withFaults(faults)).run();
            assertThat(r.failedInvariants()).as("seed %d: %s %s", seed, r.report(), r.errors()).isEmpty();
            assertThat(r.errors()).as("seed %d", seed).isEmpty();
            assertThat(r.deadlocks()).as("seed %d: no false deadlock while agents wait on each other's offers", seed).isEmpty();
            assertThat(r.workflows()).as("seed %d", seed).containsOnlyKeys("COMPLETED");
            assertThat(r.report().get("scenario")).as("seed %d", seed)
                    .isEqualTo(Map.of("plans_went_deep", true, "replanned_around_the_wall", true));
            @SuppressWarnings("unchecked")
            Map<String, Object> goals = (Map<String, Object>) r.report().get("goals");
            replans += ((Number) goals.get("replans")).longValue();
            hallucinations += ((Number) r.counters().get("hallucinations_injected")).longValue();
        }
        assertThat(hallucinations).as("the faults made the AI talk nonsense").isGreaterThan(1000);
        assertThat(replans).isGreaterThan(120);
    }

    @Test
    void withoutFaultsTheFactionsPlanDeepReplanAroundTheWallAndAlly() throws IOException {
        RunReport r = new EmbeddedEngine(Programs.plan(Files.readString(Path.of("../examples/faction.baton"))), EngineOptions.defaults()).run();
        assertThat(r.failedInvariants()).isEmpty();
        assertThat(r.report().get("allied")).isEqualTo(java.util.List.of(true, true));
        assertThat(((Number) r.report().get("depth")).longValue()).isGreaterThanOrEqualTo(4);
        @SuppressWarnings("unchecked")
        Map<String, Object> goals = (Map<String, Object>) r.report().get("goals");
        assertThat(((Number) goals.get("replans")).longValue()).isPositive();
        assertThat(((Number) goals.get("failed")).longValue()).as("the wall broke steps under way").isPositive();
    }
}
