package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Test
    void eventsFromKafkaReachTheRunOnTemporalExactlyOnceAcrossAKill(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), KafkaKillTest.LEDGER);
        try (LocalKafka kafka = LocalKafka.start(); LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"))) {
            kafka.createTopics(3, "Bank.Deposit");
            DepositProducer producer = new DepositProducer(kafka.bootstrap(), 5, 100);
            String[] cmd = {"run", "ledger.baton", "--engine", "temporal", "--temporal", temporal.target(),
                    "--events", "kafka://" + kafka.bootstrap() + "?stop-when-idle=3s", "--report", "json"};
            Process first = ChildProcess.start(dir, cmd);
            Thread.sleep(6000); // the worker joins and events flow (checked below: the workflow got signals before the kill)
            assertThat(first.isAlive()).as("the run is still going (the producer still writes)").isTrue();
            ChildProcess.kill9(first);
            try (WorkflowHistory history = new WorkflowHistory(temporal.target())) {
                String id = WorkflowHistory.runId("ledger.baton", KafkaKillTest.LEDGER, 1, temporal.target());
                assertThat(history.count(id, io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED))
                        .as("batches of events the killed process had signalled").isPositive();
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
