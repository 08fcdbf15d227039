package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** One handler cannot stall the engine, and ticks that fall behind the real clock follow their missed-tick policy. */
class EngineBoundsTest {
    static final String RUNAWAY = """
            Event Go.Now { n: Int }
            $spins = 0
            $beats = 0
            Module Spinner {
                ON (Go.Now) {
                    while true [max: 9223372036854775807] {
                        $spins += 1
                    }
                }
            }
            Module Heart {
                Tick [10ms] {
                    $beats += 1
                }
            }
            Load Kick [total: 1, rate: 1] {
                Emit Go.Now { n: 1 }
            }
            """;

    @Test
    void aLoopThatDoesNotEndFailsItsHandlerWithAPositionAndTheRestGoesOn() {
        RunReport r = Programs.report(RUNAWAY, EngineOptions.defaults().withDuration(Duration.ofSeconds(1)));
        assertThat(r.errors()).hasSize(1);
        assertThat(r.errors().get(0)).contains("test.baton:6:9").contains("ran 100,000,000 steps without waiting (a loop that does not end?)");
        assertThat(r.globals().get("spins")).as("the failed handler's changes are rolled back").isEqualTo(0L);
        assertThat((Long) r.globals().get("beats")).as("every other module kept ticking").isEqualTo(100L);
        assertThat(Core.MAX_STEPS).isEqualTo(100_000_000L);
    }

    /** The global state reaches its observer (--state) during the run, every 100 ms of engine time — not once at the end. */
    @Test
    void theStateObserverHearsOfTheRunAsItGoes() {
        java.util.List<long[]> calls = new java.util.ArrayList<>(); // {engine time, changed count, last}
        StateObserver observer = (time, changed, last) -> calls.add(new long[] {time, changed.size(), last ? 1 : 0});
        Programs.report("$n = 0\nModule M {\n    Tick [10ms] {\n        $n += 1\n    }\n}\n",
                EngineOptions.defaults().withDuration(Duration.ofSeconds(2)).withState(observer));
        assertThat(calls.size()).as("calls: one per 100 ms of engine time, and the last").isBetween(20, 22);
        for (int i = 1; i < calls.size() - 1; i++) assertThat(calls.get(i)[0] - calls.get(i - 1)[0]).isGreaterThanOrEqualTo(StateObserver.EVERY_MS);
        assertThat(calls.get(calls.size() - 1)[2]).isEqualTo(1);
        assertThat(calls.get(calls.size() - 1)[0]).isEqualTo(2000);
    }

    private static String heavy(String policy) {
        return """
                $runs = 0
                $work = 0
                Module Heavy {
                    Tick [1ms, missed: %s] {
                        $runs += 1
                        let i = 0
                        while i < 300000 [max: 1000000] {
                            i += 1
                        }
                        $work += i
                    }
                }
                """.formatted(policy);
    }

    /** Each run of the tick takes several milliseconds of wall time (300,000 loop turns), so the 1 ms ticks fall behind. */
    @Test
    void ticksBehindTheRealClockAreCoalescedOrSkippedAsDeclared() {
        for (String policy : new String[] {"coalesce", "skip"}) {
            RunReport r = Programs.report(heavy(policy), EngineOptions.defaults().withRealClock(true).withDuration(Duration.ofMillis(300)));
            long runs = (Long) r.globals().get("runs");
            long ticks = ((Number) r.counters().get("ticks")).longValue();
            long skipped = ((Number) r.counters().get("ticks_skipped")).longValue();
            assertThat(skipped).as(policy + ": late ticks were not run").isPositive();
            assertThat(runs + skipped).as(policy + ": every tick due was run or skipped").isEqualTo(ticks);
            assertThat(runs).isLessThan(ticks);
        }
        // catch_up runs every one, however late
        RunReport all = Programs.report(heavy("catch_up"), EngineOptions.defaults().withRealClock(true).withDuration(Duration.ofMillis(30)));
        assertThat(((Number) all.counters().get("ticks_skipped")).longValue()).isZero();
        assertThat(all.globals().get("runs")).isEqualTo(30L);
    }
}
