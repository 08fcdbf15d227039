package dev.baton.cli;

import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.baton.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code --temporal-task-queue}: the run's workflow is scheduled on, and served from, the queue given; a bad name is a usage error. */
class TemporalTaskQueueTest {
    @Test
    void aRunUsesTheTaskQueueItIsGiven(@TempDir Path dir) throws Exception {
        Path program = dir.resolve("sleepy.baton");
        Files.writeString(program, TemporalTimersTest.SLEEPY);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            CliTest.Run ok = run("run", program.toString(), "--engine", "temporal", "--temporal", temporal.target(), "--temporal-task-queue", "team-a.batons");
            assertThat(ok.code()).as(ok.err()).isZero();
            assertThat(ok.err()).contains("task queue team-a.batons");
            String id = WorkflowHistory.runId("sleepy.baton", TemporalTimersTest.SLEEPY, 1, temporal.target());
            HistoryEvent started = history.events(id).get(0);
            assertThat(started.getEventType()).isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
            assertThat(started.getWorkflowExecutionStartedEventAttributes().getTaskQueue().getName()).isEqualTo("team-a.batons");

            CliTest.Run bad = run("run", program.toString(), "--engine", "temporal", "--temporal", temporal.target(), "--temporal-task-queue", "team a");
            assertThat(bad.code()).isEqualTo(ExitCode.USAGE);
            assertThat(bad.err()).contains("task queue 'team a': give a non-empty name without spaces");
        }
    }
}
