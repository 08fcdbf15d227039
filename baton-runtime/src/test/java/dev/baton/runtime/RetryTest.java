package dev.baton.runtime;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code retry} says is what happens: a step retries before its saga compensates, a call can retry a declared failure, and failures are counted. */
class RetryTest {
    /** An endpoint that fails (declared) half the time. */
    static final String FLAKY = """
            Module Bank {
                $charged = 0
                Charge(n: Int) /execute {
                    if random() < 0.5 {
                        Fail "card declined"
                    }
                    $charged += n
                }
                Refund(n: Int) /execute {
                    $charged -= n
                }
            }
            Module Shop {
                $sent = 0
                Tick [10ms] {
                    if $sent < 200 {
                        $sent += 1
                        Start Buy [id: "buy-" + str($sent)]
                    }
                }
            }
            $done = 0
            $undone = 0
            """;

    private static String saga(String stepOptions) {
        return FLAKY + """
                Workflow Buy {
                    Saga {
                        Step Pay %s {
                            Call Bank.Charge { n: 1 }
                        } Compensate {
                            Call Bank.Refund { n: 1 }
                        }
                        Pivot Ship {
                            $done += 1
                        }
                    } -> outcome
                    if outcome == "compensated" {
                        $undone += 1
                    }
                }
                """.formatted(stepOptions);
    }

    @Test
    void aStepThatSaysRetryIsRetriedBeforeItsSagaCompensates() {
        RunReport once = Programs.report(saga(""), EngineOptions.defaults().withDuration(Duration.ofSeconds(30)));
        RunReport retried = Programs.report(saga("[retry: 10, backoff: 20ms]"), EngineOptions.defaults().withDuration(Duration.ofSeconds(30)));
        assertThat((Long) once.globals().get("done")).as("without retries about half fail").isBetween(70L, 130L);
        assertThat((Long) once.globals().get("done") + (Long) once.globals().get("undone")).isEqualTo(200L);
        assertThat(((Number) once.counters().get("step_retries")).longValue()).isZero();
        // each try fails with probability 1/2: eleven in a row are rare
        assertThat((Long) retried.globals().get("done")).isGreaterThanOrEqualTo(195L);
        assertThat((Long) retried.globals().get("done") + (Long) retried.globals().get("undone")).isEqualTo(200L);
        assertThat(((Number) retried.counters().get("step_retries")).longValue()).isGreaterThan(100L);
        assertThat(retried.modules().get("Bank").get("charged")).isEqualTo(retried.globals().get("done"));
    }

    private static String calls(String callOptions) {
        return FLAKY + """
                Workflow Buy {
                    Call Bank.Charge { n: 1 } %s -> paid
                    $done += 1
                }
                """.formatted(callOptions);
    }

    @Test
    void aCallCanRetryADeclaredFailureAndFailedCallsAreCounted() {
        RunReport plain = Programs.report(calls("[retry: 5]"), EngineOptions.defaults().withDuration(Duration.ofSeconds(30)));
        long done = (Long) plain.globals().get("done");
        assertThat(done).as("retry: alone is for lost messages").isBetween(70L, 130L);
        assertThat(((Number) plain.counters().get("calls_failed")).longValue()).as("the callee's Fail counts as a failed call").isEqualTo(200 - done);
        assertThat(plain.counters().get("workflows_failed")).isEqualTo(200 - done);

        RunReport onFailure = Programs.report(calls("[retry: 10, retry_on: failure, backoff: 10ms]"), EngineOptions.defaults().withDuration(Duration.ofSeconds(30)));
        long paid = (Long) onFailure.globals().get("done");
        assertThat(paid).isGreaterThanOrEqualTo(195L);
        assertThat(onFailure.modules().get("Bank").get("charged")).as("each retry a new attempt, each success applied once").isEqualTo(paid);
        assertThat(((Number) onFailure.counters().get("call_retries")).longValue()).isGreaterThan(100L);
        assertThat(((Number) onFailure.counters().get("calls_failed")).longValue()).isEqualTo(200 - paid);
    }
}
