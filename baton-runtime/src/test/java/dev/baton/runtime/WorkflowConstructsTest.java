package dev.baton.runtime;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Sagas, locks, fork/join, child workflows and cancellation on the embedded engine. */
class WorkflowConstructsTest {
    private static RunReport run(String src) {
        return Programs.report(src, EngineOptions.defaults().withDuration(Duration.ofSeconds(60)));
    }

    /** A service whose endpoints log what they do, and fail on request. */
    static final String SERVICE = """
            $log = []
            $flaky = 0
            Module Svc {
                Do(what: String) /execute {
                    $log = append($log, what)
                }
                Boom(what: String) /execute {
                    Fail "boom in " + what
                }
                Flaky(what: String) /execute {
                    # unavailable for the first 250ms (a failing handler's own changes roll back,
                    # so a flaky service is modelled by time, not by counting)
                    if now() < 250 {
                        Fail "not available yet"
                    }
                    $log = append($log, what)
                }
            }
            Module Go {
                $started = false
                Tick [1ms] {
                    if not $started {
                        $started = true
                        Start Main [id: "main"]
                    }
                }
            }
            """;

    @Test
    void aFailedStepCompensatesCompletedStepsInReverseOrderOnce() {
        RunReport r = run(SERVICE + """
                Workflow Main {
                    Saga {
                        Step A {
                            Call Svc.Do { what: "a" }
                        } Compensate {
                            Call Svc.Do { what: "undo a" }
                        }
                        Step B {
                            Call Svc.Do { what: "b" }
                        } Compensate {
                            Call Svc.Do { what: "undo b" }
                        }
                        Step C {
                            Call Svc.Boom { what: "c" } [retry: 0]
                        } Compensate {
                            Call Svc.Do { what: "undo c" }
                        }
                    } -> outcome
                    $log = append($log, outcome)
                }
                """);
        assertThat(r.globals().get("log")).isEqualTo(List.of("a", "b", "undo b", "undo a", "compensated"));
        assertThat(r.workflows()).containsEntry("COMPLETED", 1L);
        assertThat(r.errors()).isEmpty();
        assertThat(r.failures()).singleElement().asString().contains("Svc[0] failed: boom in c");
    }

    @Test
    void aCompensationThatFailsFirstSucceedsOnRetry() {
        RunReport r = run(SERVICE + """
                Workflow Main {
                    Saga [retries: 5] {
                        Step A {
                            Call Svc.Do { what: "a" }
                        } Compensate {
                            Call Svc.Flaky { what: "undo a" } [retry: 0]
                        }
                        Step B {
                            Fail "b cannot"
                        }
                    } -> outcome
                    $log = append($log, outcome)
                }
                """);
        assertThat(r.globals().get("log")).isEqualTo(List.of("a", "undo a", "compensated"));
        assertThat(r.counters().get("compensation_retries")).as("failed at 1ms and 101ms, succeeded at 301ms").isEqualTo(2L);
    }

    @Test
    void aCompensationThatNeverSucceedsEscalates() {
        RunReport r = run(SERVICE + """
                Workflow Main {
                    Saga [retries: 2] {
                        Step A {
                            Call Svc.Do { what: "a" }
                        } Compensate {
                            Call Svc.Boom { what: "undo a" } [retry: 0]
                        }
                        Step B {
                            Fail "b cannot"
                        }
                    }
                }
                """);
        assertThat(r.workflows()).containsEntry("FAILED", 1L);
        assertThat(r.failures()).anySatisfy(e -> assertThat(e).contains("compensation of step A failed 3 times").contains("needs attention"));
    }

    @Test
    void afterThePivotASagaOnlyMovesForward() {
        RunReport r = run(SERVICE + """
                Workflow Main {
                    Saga {
                        Step A {
                            Call Svc.Do { what: "a" }
                        } Compensate {
                            Call Svc.Do { what: "undo a" }
                        }
                        Pivot Commit {
                            Call Svc.Do { what: "commit" }
                        }
                        Step Notify [retry: 5] {
                            Call Svc.Flaky { what: "notify" } [retry: 0]
                        }
                    } -> outcome
                    $log = append($log, outcome)
                }
                """);
        assertThat(r.globals().get("log")).isEqualTo(List.of("a", "commit", "notify", "completed"));
    }

    @Test
    void locksExcludeEachOtherAndAnExpiredLeaseIsFencedOut() {
        RunReport r = run("""
                $log = []
                $store = { value: 0 }
                Module Store {
                    $fence_seen = 0
                    Put(v: Int) /execute {
                        $log = append($log, "put " + str(v))
                    }
                }
                Workflow Slow {
                    Lock ("row") [lease: 100ms] -> token {
                        $log = append($log, "slow got " + str(token))
                        Sleep 300ms
                        Call Store.Put { v: 1 } [retry: 0]
                    }
                }
                Workflow Fast {
                    Sleep 10ms
                    Lock ("row") [lease: 5s] -> token {
                        $log = append($log, "fast got " + str(token))
                        Call Store.Put { v: 2 }
                    }
                }
                Module Go {
                    $started = false
                    Tick [1ms] {
                        if not $started {
                            $started = true
                            Start Slow [id: "slow"]
                            Start Fast [id: "fast"]
                        }
                    }
                }
                """);
        assertThat(r.globals().get("log")).isEqualTo(List.of("slow got 1", "fast got 2", "put 2"));
        assertThat(r.counters().get("leases_expired")).isEqualTo(1L);
        assertThat(r.workflows()).containsEntry("COMPLETED", 1L).containsEntry("FAILED", 1L);
        assertThat(r.failures()).anySatisfy(e -> assertThat(e).contains("workflow slow").contains("stale fencing token 1"));
    }

    @Test
    void joinAllAnyAndN() {
        RunReport r = run(SERVICE + """
                Workflow Main {
                    Fork {
                        Branch one {
                            Sleep 30ms
                            return 1
                        }
                        Branch two {
                            Sleep 10ms
                            return 2
                        }
                        Branch three {
                            Sleep 20ms
                            return 3
                        }
                    } Join all -> all
                    Fork {
                        Branch slow {
                            Sleep 50ms
                            Call Svc.Do { what: "slow finished" }
                            return "slow"
                        }
                        Branch quick {
                            Sleep 5ms
                            return "quick"
                        }
                    } Join any [on_failure: cancel] -> any
                    Fork n in [40, 10, 30, 20] {
                        Sleep duration_ms(n)
                        return n
                    } Join 2 -> two
                    $log = append($log, str(all) + " " + str(any) + " " + str(two))
                }
                """);
        assertThat(r.globals().get("log")).as("the slow loser of Join any was cancelled").isEqualTo(List.of("[1, 2, 3] [\"quick\"] [10, 20]"));
    }

    @Test
    void aFailedBranchCompensatesItsSiblings() {
        RunReport r = run(SERVICE + """
                Workflow Main {
                    Fork {
                        Branch pay {
                            Saga {
                                Step Charge {
                                    Call Svc.Do { what: "charge" }
                                } Compensate {
                                    Call Svc.Do { what: "refund" }
                                }
                                Step Wait {
                                    Sleep 1s
                                }
                            }
                        }
                        Branch ship {
                            Sleep 20ms
                            Fail "warehouse closed"
                        }
                    } Join all [on_failure: compensate]
                }
                """);
        assertThat(r.globals().get("log")).isEqualTo(List.of("charge", "refund"));
        assertThat(r.failures()).anySatisfy(e -> assertThat(e).contains("workflow main failed: branch 2 failed: warehouse closed"));
    }

    @Test
    void childWorkflowsRecurseWithinTheirBudget() {
        RunReport r = run("""
                $result = 0
                Workflow Fib(n: Int) -> Int [max_depth: 12] {
                    if n < 2 {
                        return n
                    }
                    Run Fib { n: n - 1 } -> a
                    Run Fib { n: n - 2 } -> b
                    return a + b
                }
                Workflow TooDeep(n: Int) [max_depth: 3] {
                    Run TooDeep { n: n + 1 }
                }
                Workflow Main {
                    Run Fib { n: 10 } -> f
                    $result = f
                    Run TooDeep { n: 0 }
                }
                Module Go {
                    $started = false
                    Tick [1ms] {
                        if not $started {
                            $started = true
                            Start Main [id: "main"]
                        }
                    }
                }
                """);
        assertThat(r.globals().get("result")).isEqualTo(55L);
        assertThat(r.errors()).anySatisfy(e -> assertThat(e).contains("depth 4 exceeds its recursion budget [max_depth: 3]"));
    }

    @Test
    void cancellingAParentCancelsItsChildrenAndTheyCompensate() {
        RunReport r = run(SERVICE + """
                Workflow Child(i: Int) {
                    Saga {
                        Step Reserve {
                            Call Svc.Do { what: "reserve " + str(i) }
                        } Compensate {
                            Call Svc.Do { what: "release " + str(i) }
                        }
                        Step Wait {
                            Sleep 10s
                        }
                    }
                }
                Workflow Parent {
                    Fork i in [1, 2] {
                        Run Child { i: i } [id: "child-" + str(i)]
                    } Join all
                }
                Workflow Main {
                    Start Parent [id: "parent"]
                    Sleep 100ms
                    Cancel "parent"
                }
                """);
        @SuppressWarnings("unchecked")
        List<Object> log = (List<Object>) r.globals().get("log");
        assertThat(log).containsExactlyInAnyOrder("reserve 1", "reserve 2", "release 1", "release 2");
        assertThat(log.indexOf("release 1")).isGreaterThan(log.indexOf("reserve 1"));
        assertThat(r.workflows()).containsEntry("CANCELLED", 3L).containsEntry("COMPLETED", 1L);
    }

    @Test
    void aCancelAfterThePivotLetsTheSagaFinishForward() {
        RunReport r = run(SERVICE + """
                Workflow Buy {
                    Saga {
                        Step Hold {
                            Call Svc.Do { what: "hold" }
                        } Compensate {
                            Call Svc.Do { what: "release" }
                        }
                        Pivot Ship {
                            Call Svc.Do { what: "ship" }
                            Sleep 100ms
                            Call Svc.Do { what: "delivered" }
                        }
                    }
                    Call Svc.Do { what: "after the saga" }
                }
                Workflow Main {
                    Start Buy [id: "buy"]
                    Sleep 50ms
                    Cancel "buy"
                }
                """);
        assertThat(r.globals().get("log")).as("no release: the pivot had passed; the rest of the workflow is cancelled")
                .isEqualTo(List.of("hold", "ship", "delivered"));
        assertThat(r.workflows()).containsEntry("CANCELLED", 1L);
    }
}
