package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What Baton programs mean when they run: one behaviour per test. */
class SemanticsTest {
    private static final EngineOptions OPTS = EngineOptions.defaults();

    @Test
    void routedEventsReachOneInstanceAndBroadcastReachesAll() {
        String src = """
                Event P.Hit { shard: Int, n: Int }
                Module Routed [instances: 4] {
                    $sum = 0
                    ON (P.Hit) [route: {shard}] {
                        $sum += {n}
                    }
                }
                Module Everyone [instances: 3] {
                    $seen = 0
                    ON (P.Hit) {
                        $seen += 1
                    }
                }
                Load L [total: 100, rate: 1000] {
                    Emit P.Hit { shard: seq % 4, n: seq }
                }
                """;
        Core core = Programs.run(src, OPTS).core();
        Map<Object, Map<String, Object>> routed = core.moduleState("Routed");
        long total = 0;
        for (long k = 0; k < 4; k++) {
            long expected = 0;
            for (long s = k; s < 100; s += 4) expected += s;
            assertThat(routed.get(k).get("sum")).isEqualTo(expected);
            total += (Long) routed.get(k).get("sum");
        }
        assertThat(total).isEqualTo(99L * 100 / 2);
        core.moduleState("Everyone").values().forEach(s -> assertThat(s.get("seen")).isEqualTo(100L));
    }

    @Test
    void callsReturnValuesAndFailuresRollBackTheCallee() {
        String src = """
                Module Bank {
                    $balance = 100
                    Withdraw(amount: Int) /execute -> Int {
                        $balance -= amount
                        if $balance < 0 {
                            Fail "insufficient funds"
                        }
                        return $balance
                    }
                }
                Workflow Spend {
                    Call Bank.Withdraw { amount: 30 } -> left
                    $result = left
                    Call Bank.Withdraw { amount: 500 } -> never
                    $result = -1
                }
                Module Go {
                    $done = false
                    Tick [1ms] {
                        if not $done {
                            Start Spend [id: "spend"]
                            $done = true
                        }
                    }
                }
                $result = 0
                """;
        RunReport r = Programs.report(src, OPTS.withDuration(Duration.ofSeconds(2)));
        assertThat(r.globals().get("result")).isEqualTo(70L);
        assertThat(r.modules().get("Bank").get("balance")).as("the failed withdrawal was rolled back").isEqualTo(70L);
        assertThat(r.workflows()).containsEntry("FAILED", 1L);
        assertThat(r.errors()).as("a declared Fail is not a runtime error").isEmpty();
        assertThat(r.failures()).anySatisfy(e -> assertThat(e).contains("test.baton:6:13: Bank[0] failed: insufficient funds"));
        assertThat(r.failures()).anySatisfy(e -> assertThat(e).contains("workflow spend failed: Call Bank.Withdraw failed: insufficient funds"));
    }

    @Test
    void endpointParametersLeftOutTakeTheirDefaults() {
        String src = """
                Module Counter {
                    $n = 0
                    Bump(by: Int = 1, label: String = "x" + "y") /execute -> String {
                        $n += by
                        return label
                    }
                }
                Workflow Go {
                    Call Counter.Bump {} -> a
                    Call Counter.Bump { by: 5 } -> b
                    Call Counter.Bump { by: 10, label: "z" } -> c
                    $labels = a + b + c
                }
                Module Starter {
                    $done = false
                    Tick [1ms] {
                        if not $done {
                            Start Go
                            $done = true
                        }
                    }
                }
                $labels = ""
                """;
        RunReport r = Programs.report(src, OPTS.withDuration(Duration.ofSeconds(1)));
        assertThat(r.errors()).isEmpty();
        assertThat(r.modules().get("Counter").get("n")).isEqualTo(16L);
        assertThat(r.globals().get("labels")).isEqualTo("xyxyz");
    }

    @Test
    void mapEntriesAreSetNestedRemovedAndRolledBack() {
        String src = """
                Event P.Hit { who: String, n: Int }
                Module M {
                    $by: Map<Int> = {}
                    $deep: Map<Map<Int>> = { a: { x: 1 } }
                    $snapshot: Map<Int> = {}
                    ON (P.Hit) {
                        $snapshot = $by
                        $by[{who}] = get($by, {who}, 0) + {n}
                        $deep["a"]["y"] = {n}
                        $deep["b"] = { z: {n} }
                        if {who} == "gone" {
                            $by["gone"] = none
                        }
                        let q = 10 / ({n} - 7)
                    }
                }
                Load L [total: 9, rate: 1000] {
                    Emit P.Hit { who: ["ann", "bob", "gone", "ann"][seq % 4], n: seq }
                }
                """;
        RunReport r = Programs.report(src, OPTS);
        Map<String, Object> m = r.modules().get("M");
        // seq 7 divides by zero: its changes (ann += 7, a.y = 7, b.z = 7) are rolled back
        assertThat(r.errorCount()).isEqualTo(1);
        assertThat(m.get("by")).isEqualTo(Map.of("ann", 0L + 3 + 4 + 8, "bob", 1L + 5));
        assertThat(m.get("deep")).isEqualTo(Map.of("a", Map.of("x", 1L, "y", 8L), "b", Map.of("z", 8L)));
        assertThat(m.get("snapshot")).as("an earlier copy of a map never sees later changes")
                .isEqualTo(Map.of("ann", 0L + 3 + 4, "bob", 1L + 5));
    }

    @Test
    void runtimeErrorsNameThePositionAndInstanceAndTheEngineCarriesOn() {
        String src = """
                Event P.Hit { shard: Int, d: Int }
                Module S [instances: 2] {
                    $ok = 0
                    $x = 10
                    ON (P.Hit) [route: {shard}] {
                        $x -= 1
                        let q = 10 / {d}
                        $ok += 1
                    }
                }
                Load L [total: 10, rate: 1000] {
                    Emit P.Hit { shard: seq % 2, d: seq % 5 }
                }
                """;
        RunReport r = Programs.report(src, OPTS);
        assertThat(r.errorCount()).isEqualTo(2);
        assertThat(r.errors().get(0)).isEqualTo("test.baton:7:9: runtime error in S[0]: division by zero");
        assertThat(r.errors().get(1)).startsWith("test.baton:7:9: runtime error in S[1]: division by zero");
        assertThat(r.modules().get("S").get("sum(ok)")).isEqualTo(8L);
        assertThat(r.modules().get("S").get("sum(x)")).as("a failed handler's changes are rolled back").isEqualTo(12L);
    }

    @Test
    void loopBoundsFailTheHandler() {
        String src = """
                Module M {
                    $n = 0
                    Tick [1ms] {
                        let i = 0
                        while true [max: 5] {
                            i += 1
                        }
                        $n += 1
                    }
                }
                """;
        RunReport r = Programs.report(src, OPTS.withDuration(Duration.ofMillis(3)));
        assertThat(r.errors()).first().asString().contains("test.baton:5:9").contains("while loop exceeded its bound of 5");
        assertThat(r.modules().get("M").get("n")).isEqualTo(0L);
    }

    @Test
    void workflowsSleepAwaitAndStartIdempotently() {
        String src = """
                Event W.Ping { n: Int }
                $log = []
                Workflow Sleeper(n: Int) {
                    Sleep 50ms * n
                    $log = append($log, "slept " + str(n))
                    Emit W.Ping { n: n }
                }
                Workflow Waiter {
                    Await W.Ping [where: {n} == 2, timeout: 1s] -> ping
                    $log = append($log, "got " + str(ping.n))
                    Await W.Ping [where: {n} == 99, timeout: 100ms] -> never
                    $log = append($log, "timeout " + str(never == none))
                }
                Module Go {
                    $t = 0
                    Tick [1ms] {
                        $t += 1
                        if $t == 1 {
                            Start Waiter [id: "w"]
                            Start Sleeper { n: 3 } [id: "s3"]
                            Start Sleeper { n: 1 } [id: "s1"]
                            Start Sleeper { n: 2 } [id: "s2"]
                            Start Sleeper { n: 2 } [id: "s2"]
                        }
                    }
                }
                """;
        RunReport r = Programs.report(src, OPTS.withDuration(Duration.ofSeconds(1)));
        assertThat(r.globals().get("log")).isEqualTo(java.util.List.of("slept 1", "slept 2", "got 2", "slept 3", "timeout true"));
        assertThat(r.counters().get("workflows_started")).as("a second Start with the same id is the same workflow").isEqualTo(4L);
    }

    @Test
    void clampedDeltasAndCompareAndSetAreOnce() {
        String src = """
                $boss = { hp: 100, status: "alive", wins: 0 }
                Module Hitter [instances: 5] {
                    Tick [10ms] {
                        $boss.hp -= 7 min 0
                        if $boss.hp == 0 and cas($boss.status, "alive", "defeated") {
                            $boss.wins += 1
                        }
                    }
                }
                """;
        RunReport r = Programs.report(src, OPTS.withDuration(Duration.ofMillis(500)));
        assertThat(r.globals().get("boss")).isEqualTo(Map.of("hp", 0L, "status", "defeated", "wins", 1L));
    }

    @Test
    void guardsRejectNonsenseAndFallBack() {
        String src = """
                AI Oracle [provider: "policy"]
                $accepted = []
                Workflow Decide(answer_hp: Any) {
                    Ask Oracle { hp: answer_hp } expect { hp: Int [1..1000] }
                        check sane: answer.hp < 900
                        [retries: 1]
                        otherwise { hp: 50 } -> d
                    $accepted = append($accepted, d.hp)
                }
                Module Go {
                    $t = 0
                    Tick [1ms] {
                        $t += 1
                        if $t == 1 {
                            Start Decide { answer_hp: 10 } [id: "a"]
                            Start Decide { answer_hp: -1 } [id: "b"]
                            Start Decide { answer_hp: 950 } [id: "c"]
                            Start Decide { answer_hp: "lots" } [id: "d"]
                            Start Decide { answer_hp: 1e18 } [id: "e"]
                        }
                    }
                }
                """;
        RunReport r = Programs.report(src, OPTS.withDuration(Duration.ofMillis(100)));
        assertThat(r.globals().get("accepted")).isEqualTo(java.util.List.of(10L, 50L, 50L, 50L, 50L));
        assertThat(r.counters().get("decisions")).isEqualTo(9L);
        assertThat(r.counters().get("decisions_rejected")).isEqualTo(8L);
    }
}
