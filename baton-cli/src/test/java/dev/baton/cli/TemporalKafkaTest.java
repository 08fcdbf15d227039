package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Temporal and Kafka together: {@code baton run --engine temporal --events kafka://…} while a
 * producer writes to a 3-partition topic; the process (worker and Kafka reader both) is killed
 * with {@code kill -9} after the run has taken events, and the same command finishes the run:
 * every record applied exactly once (the positions live in the workflow; the reader resumes
 * from what the workflow reports).
 */
class TemporalKafkaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The ledger, plus a tick that keeps the workflow busy (a run fed by Kafka is paced to the clock
     * and otherwise idle between signals): the kill lands while a workflow task is in flight. (A
     * worker killed *between* tasks is replaced on a production cluster after the sticky queue's
     * schedule-to-start timeout; Temporal's test server never moves the task — see
     * docs/operations.md.)
     */
    static final String BUSY_LEDGER = KafkaKillTest.LEDGER + """
            $spins = 0
            Module Busy {
                Tick [20ms] {
                    let i = 0
                    while i < 100000 [max: 100000] {
                        i += 1
                    }
                    $spins += 1
                }
            }
            """;

    @Test
    void eventsFromKafkaReachTheRunOnTemporalExactlyOnceAcrossAKill(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), BUSY_LEDGER);
        try (LocalKafka kafka = LocalKafka.start(); LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"))) {
            kafka.createTopics(3, "Bank.Deposit");
            DepositProducer producer = new DepositProducer(kafka.bootstrap(), 5, 100);
            String[] cmd = {"run", "ledger.baton", "--engine", "temporal", "--temporal", temporal.target(),
                    "--events", "kafka://" + kafka.bootstrap() + "?stop-when-idle=3s", "--report", "json"};
            Process first = ChildProcess.start(dir, cmd);
            String id = WorkflowHistory.runId("ledger.baton", BUSY_LEDGER, 1, temporal.target());
            try (WorkflowHistory history = new WorkflowHistory(temporal.target())) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                long applied = 0;
                while (applied == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    applied = history.appliedCount(id);
                }
                assertThat(applied).as("events the first process got into the run before the kill").isPositive();
                assertThat(first.isAlive()).as("the run is still going (the producer still writes)").isTrue();
                boolean midTask = false;
                while (!midTask && System.nanoTime() < deadline) {
                    List<HistoryEvent> events = history.events(id);
                    midTask = !events.isEmpty() && events.get(events.size() - 1).getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED;
                }
                ChildProcess.kill9(first);
                assertThat(midTask).as("the kill landed while a workflow task was in flight").isTrue();
            }
            Thread.sleep(1000);
            producer.stop();
            Process last = ChildProcess.start(dir, cmd);
            String out = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(last.waitFor(180, TimeUnit.SECONDS)).isTrue();
            assertThat(last.exitValue()).as(out).isZero();
            JsonNode report = JSON.readTree(out);
            assertThat(report.get("engine").asText()).isEqualTo("temporal");
            assertThat(report.get("globals").get("count").asLong()).as("records applied").isEqualTo(producer.produced());
            assertThat(report.get("globals").get("total").asLong()).isEqualTo(producer.sum());
        }
    }
}
