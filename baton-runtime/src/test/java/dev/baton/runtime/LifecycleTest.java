package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Lifecycle;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Instance and workflow lifecycles are transition tables; these scenarios must take every
 * transition in them. A transition added to a table and never exercised fails this test.
 */
class LifecycleTest {
    @Test
    void everyTransitionIsExercised() {
        // instances: idle, running, waiting on calls, crashing while idle and while waiting
        Programs.report(Scenarios.BOSS, EngineOptions.defaults().withSeed(3).withFaults(Faults.parse("crash=40,delay=0.3")));
        // workflows: sleeping, awaiting, calling, completing and failing
        Programs.report("""
                Event W.Ping { n: Int }
                Module Svc {
                    Echo(n: Int) /execute -> Int {
                        if n < 0 {
                            Fail "negative"
                        }
                        return n
                    }
                }
                Workflow Good {
                    Sleep 5ms
                    Call Svc.Echo { n: 1 } -> x
                    Emit W.Ping { n: x }
                }
                Workflow Waits {
                    Await W.Ping [timeout: 1s] -> p
                }
                Workflow Bad {
                    Call Svc.Echo { n: -1 } [retry: 0]
                }
                Workflow Locker {
                    Lock ("k") [lease: 1s] {
                        Sleep 5ms
                    }
                }
                Workflow Forker {
                    Fork i in [1, 2] {
                        Sleep 1ms
                    } Join all
                }
                Workflow Victim {
                    Sleep 10s
                }
                Module Go {
                    $t = 0
                    Tick [1ms] {
                        $t += 1
                        if $t == 1 {
                            Start Waits
                            Start Good
                            Start Bad
                            Start Locker
                            Start Locker
                            Start Forker
                            Start Victim [id: "victim"]
                        }
                        if $t == 20 {
                            Cancel "victim"
                        }
                    }
                }
                """, EngineOptions.defaults().withDuration(Duration.ofMillis(200)));
        assertThat(Lifecycle.INSTANCE.exercised()).isEqualTo(Lifecycle.INSTANCE.transitions());
        assertThat(Lifecycle.WORKFLOW.exercised()).isEqualTo(Lifecycle.WORKFLOW.transitions());
    }
}
