package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
            AtomicBoolean producing = new AtomicBoolean(true);
            AtomicLong produced = new AtomicLong();
            AtomicLong sum = new AtomicLong();
            Thread producer = new Thread(() -> {
                Map<String, Object> conf = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(), ProducerConfig.ACKS_CONFIG, "all");
                Random r = new Random(5);
                try (KafkaProducer<String, String> p = new KafkaProducer<>(conf, new StringSerializer(), new StringSerializer())) {
                    while (producing.get()) {
                        for (int i = 0; i < 100; i++) {
                            int account = r.nextInt(16);
                            int amount = 1 + r.nextInt(1000);
                            p.send(new ProducerRecord<>("Bank.Deposit", String.valueOf(account),
                                    "{\"account\": " + account + ", \"amount\": " + amount + "}")).get();
                            sum.addAndGet(amount);
                            produced.incrementAndGet();
                        }
                        Thread.sleep(20);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            producer.start();
            String[] cmd = {"run", "ledger.baton", "--engine", "temporal", "--temporal", temporal.target(),
                    "--events", "kafka://" + kafka.bootstrap() + "?stop-when-idle=3s", "--report", "json"};
            Process first = ChildProcess.start(dir, cmd);
            Thread.sleep(6000); // the worker joins and events flow (checked below: the workflow got signals before the kill)
            assertThat(first.isAlive()).as("the run is still going (the producer still writes)").isTrue();
            ChildProcess.kill9(first);
            dev.baton.runtime.plan.Plan plan = dev.baton.runtime.internal.compile.Compiler.compile(
                    dev.baton.lang.Baton.check("ledger.baton", KafkaKillTest.LEDGER));
            String id = new dev.baton.temporal.TemporalEngine(plan, Map.of(), dev.baton.runtime.EngineOptions.defaults(), temporal.target(),
                    "default", false).workflowId();
            var service = io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(
                    io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
            try {
                long signals = io.temporal.client.WorkflowClient.newInstance(service).fetchHistory(id).getHistory().getEventsList().stream()
                        .filter(e -> e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).count();
                assertThat(signals).as("batches of events the killed process had signalled").isPositive();
            } finally {
                service.shutdownNow();
            }
            producing.set(false);
            producer.join();
            Process last = ChildProcess.start(dir, cmd);
            String out = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(last.waitFor(180, TimeUnit.SECONDS)).isTrue();
            assertThat(last.exitValue()).as(out).isZero();
            JsonNode report = JSON.readTree(out);
            assertThat(report.get("engine").asText()).isEqualTo("temporal");
            assertThat(report.get("globals").get("count").asLong()).as("records applied").isEqualTo(produced.get());
            assertThat(report.get("globals").get("total").asLong()).isEqualTo(sum.get());
        }
    }
}
