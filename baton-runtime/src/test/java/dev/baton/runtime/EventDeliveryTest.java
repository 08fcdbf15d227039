package dev.baton.runtime;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events are durable between modules: an instance that is down gets what was sent to it when it
 * is back, under either crash policy, and the network's faults reach events as lateness and
 * reordering — never as a loss or a second delivery.
 */
class EventDeliveryTest {
    static final String COUNTERS = """
            Event Hit.One { shard: Int [0..3], n: Int }
            $sent = 0
            Module Shard [instances: 4] {
                $got = 0
                $sum = 0
                ON (Hit.One) [route: {shard}] {
                    $got += 1
                    $sum += {n}
                }
            }
            Load Hits [total: 4000, rate: 2000] {
                Emit Hit.One { shard: seq % 4, n: seq }
            }
            Fault Outage [module: Shard, key: 2, at: 500ms, down: 1s]
            """;

    private static final long SUM = 4000L * 3999 / 2;

    @Test
    void anInstanceThatIsDownGetsItsEventsWhenItIsBack() {
        for (String policy : new String[] {"keep", "discard"}) {
            RunReport r = Programs.report(COUNTERS, EngineOptions.defaults().withFaults(Faults.parse("crash-state=" + policy))
                    .withDuration(Duration.ofSeconds(5)));
            assertThat(r.counters().get("crashes")).isEqualTo(1L);
            assertThat(((Number) r.counters().get("events_held_while_down")).longValue()).as(policy).isGreaterThan(400L);
            assertThat(r.counters().get("events_lost_to_crashes")).isEqualTo(0L);
            if (policy.equals("keep")) {
                assertThat(r.modules().get("Shard").get("sum(got)")).isEqualTo(4000L);
                assertThat(r.modules().get("Shard").get("sum(sum)")).isEqualTo(SUM);
            } else {
                // Shard[2]'s state from before the crash is gone, but every event after it reached it
                assertThat((Long) r.modules().get("Shard").get("sum(got)")).isLessThan(4000L).isGreaterThan(2000L);
            }
        }
    }

    @Test
    void networkFaultsReachEventsAsLatenessNeverLossOrDuplication() {
        String noOutage = COUNTERS.replace("Fault Outage [module: Shard, key: 2, at: 500ms, down: 1s]", "");
        RunReport clean = Programs.report(noOutage, EngineOptions.defaults().withDuration(Duration.ofSeconds(5)));
        for (String faults : new String[] {"delay=0.5", "drop=0.3", "duplicate=0.3", "drop=0.2,duplicate=0.2,delay=0.2"}) {
            RunReport r = Programs.report(noOutage, EngineOptions.defaults().withFaults(Faults.parse(faults)).withDuration(Duration.ofSeconds(5)));
            assertThat(r.modules().get("Shard").get("sum(got)")).as(faults).isEqualTo(4000L);
            assertThat(r.modules().get("Shard").get("sum(sum)")).as(faults).isEqualTo(SUM);
            assertThat(r.traceHash()).as(faults + " changes the run").isNotEqualTo(clean.traceHash());
            long delayed = ((Number) r.counters().get("messages_delayed")).longValue();
            long redelivered = ((Number) r.counters().get("events_redelivered")).longValue();
            long deduplicated = ((Number) r.counters().get("events_deduplicated")).longValue();
            if (faults.contains("delay")) assertThat(delayed).as(faults).isGreaterThan(300L);
            if (faults.contains("drop")) assertThat(redelivered).as(faults).isGreaterThan(300L);
            if (faults.contains("duplicate")) assertThat(deduplicated).as(faults).isGreaterThan(300L);
        }
    }
}
