package dev.baton.runtime;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's timer queue against a reference model: workflows started in order with
 * random sleeps wake in (wake time, start order) order — which is what a stable sort of the
 * requests gives.
 */
class TimerQueueModelTest {
    @Property(tries = 30)
    void workflowsWakeInModelOrder(@ForAll @Size(min = 1, max = 25) List<@IntRange(min = 0, max = 50) Integer> sleeps) {
        StringBuilder starts = new StringBuilder();
        for (int i = 0; i < sleeps.size(); i++) {
            starts.append("                Start Sleeper { id: ").append(i).append(", ms: ").append(sleeps.get(i)).append(" }\n");
        }
        String src = """
                $woke = []
                Workflow Sleeper(id: Int, ms: Int) {
                    Sleep duration_ms(ms)
                    $woke = append($woke, id)
                }
                Module Go {
                    $done = false
                    Tick [1ms] {
                        if not $done {
                            $done = true
                %s            }
                    }
                }
                """.formatted(starts.toString().replace("                Start", "                            Start"));
        RunReport r = Programs.report(src, EngineOptions.defaults().withDuration(Duration.ofMillis(200)));
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < sleeps.size(); i++) order.add(i);
        // zero-length sleeps still yield: they wake one millisecond later, in order
        order.sort(Comparator.comparingInt(i -> Math.max(1, sleeps.get(i))));
        List<Long> expected = order.stream().map(Integer::longValue).toList();
        assertThat(r.globals().get("woke")).isEqualTo(expected);
    }
}
