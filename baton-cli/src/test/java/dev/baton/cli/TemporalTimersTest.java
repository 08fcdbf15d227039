package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Time on Temporal costs timers, not slices: a {@code Sleep 6h} in a workflow is crossed in one
 * step (not two million empty 10 ms slices, hundreds of continue-as-new), and a run paced to the
 * clock while it waits for external events sleeps with one durable timer until its next
 * {@code Tick} — woken early by an event, which it applies at the clock's time, not at the time
 * of its last task.
 */
class TemporalTimersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String SLEEPY = """
            $done = 0
            $woke_at = 0
            Workflow Nightly {
                Sleep 6h
                $done += 1
                $woke_at = now()
            }
            Load Kick [total: 1, rate: 1] {
                Start Nightly [id: "nightly"]
            }
            """;

    static final String IDLE = """
            Event Ops.Ping { n: Int }
            $ticks = 0
            $pinged_at = -1
            Module Clock {
                Tick [10s] {
                    $ticks += 1
                }
                ON (Ops.Ping) {
                    $pinged_at = now()
                }
            }
            """;

    @Test
    void aLongSleepIsOneStepNotMillionsOfSlices(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("sleepy.baton"), SLEEPY);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            Process p = ChildProcess.start(dir, "run", "sleepy.baton", "--engine", "temporal", "--temporal", temporal.target(), "--report", "json");
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the run finishes").isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            JsonNode report = JSON.readTree(out.substring(out.indexOf('{')));
            assertThat(report.get("globals").get("done").asLong()).isEqualTo(1);
            assertThat(report.get("globals").get("woke_at").asLong()).as("engine time after the sleep").isGreaterThanOrEqualTo(6 * 3_600_000L);
            assertThat(report.get("resumed").asBoolean()).as("the run never needed to continue as new").isFalse();

            String id = WorkflowHistory.runId("sleepy.baton", SLEEPY, 1, temporal.target());
            assertThat(history.count(id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)).as("the run's history").isOne();
            assertThat(history.count(id, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).as("workflow tasks for six hours of engine time")
                    .isLessThan(10);
        }
    }

    @Test
    void anIdleRunSleepsUntilItsNextTickAndWakesForAnEvent(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("idle.baton"), IDLE);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            Process p = ChildProcess.start(dir, "run", "idle.baton", "--engine", "temporal", "--temporal", temporal.target(), "--events", "-",
                    "--report", "json");
            String id = WorkflowHistory.runId("idle.baton", IDLE, 1, temporal.target());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (history.events(id).isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
            Thread.sleep(4_000); // idle: the next task is the tick at 10 s
            List<HistoryEvent> idle = history.events(id);
            assertThat(idle).as("the run's history").isNotEmpty();
            long timers = idle.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED).count();
            assertThat(timers).as("timers started during 4 s of waiting for events (polling would start one every few ms)").isLessThanOrEqualTo(3);
            assertThat(idle.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED)
                    .mapToLong(e -> e.getTimerStartedEventAttributes().getStartToFireTimeout().getSeconds()).max().orElse(0))
                    .as("the longest timer reaches toward the tick at 10 s").isGreaterThanOrEqualTo(5);
            try (OutputStream in = p.getOutputStream()) {
                in.write("{\"seq\": 1, \"event\": \"Ops.Ping\", \"payload\": {\"n\": 1}}\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the run finishes once standard input is closed").isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            JsonNode report = JSON.readTree(out.substring(out.indexOf('{')));
            assertThat(report.get("globals").get("pinged_at").asLong()).as("engine time when the event was applied: the clock's, ~4 s")
                    .isGreaterThanOrEqualTo(3_500);
        }
    }
}
