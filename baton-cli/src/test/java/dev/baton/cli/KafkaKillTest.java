package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
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
 * {@code baton run --events kafka://…} killed with {@code kill -9} again and again while a
 * producer keeps writing deposits to a 4-partition topic, then resumed to the end: every record
 * is applied exactly once (the offsets live in the engine's journal and snapshots, not in the
 * consumer group).
 */
class KafkaKillTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String LEDGER = """
            Event Bank.Deposit { account: Int [0..15], amount: Int [1..1000] }
            $total = 0
            $count = 0
            Module Accounts [instances: 16] {
                $balance = 0
                ON (Bank.Deposit) [route: {account}] {
                    $balance += {amount}
                    $total += {amount}
                    $count += 1
                }
            }
            """;

    @Test
    void everyRecordIsAppliedExactlyOnceAcrossKills(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), LEDGER);
        try (LocalKafka kafka = LocalKafka.start()) {
            kafka.createTopics(4, "Bank.Deposit");
            AtomicBoolean producing = new AtomicBoolean(true);
            AtomicLong produced = new AtomicLong();
            AtomicLong sum = new AtomicLong();
            Thread producer = new Thread(() -> {
                Map<String, Object> conf = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.LINGER_MS_CONFIG, 5);
                Random r = new Random(11);
                try (KafkaProducer<String, String> p = new KafkaProducer<>(conf, new StringSerializer(), new StringSerializer())) {
                    while (producing.get()) {
                        for (int i = 0; i < 200; i++) {
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
            String events = "kafka://" + kafka.bootstrap() + "?stop-when-idle=3s";
            Random rnd = new Random(20261127);
            int kills = 0;
            for (int attempt = 0; attempt < 8; attempt++) {
                Process p = ChildProcess.start(dir, "run", "ledger.baton", "--events", events, "--data-dir", "data", "--report", "json",
                        "--no-progress");
                if (p.waitFor(1500 + rnd.nextInt(2500), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("the run ended while the producer was still writing: "
                            + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                }
                ChildProcess.kill9(p);
                kills++;
            }
            producing.set(false);
            producer.join();
            Process last = ChildProcess.start(dir, "run", "ledger.baton", "--events", events, "--data-dir", "data", "--report", "json",
                    "--no-progress");
            String out = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(last.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(last.exitValue()).as(out).isZero();
            JsonNode report = JSON.readTree(out);
            assertThat(kills).isEqualTo(8);
            assertThat(produced.get()).isGreaterThan(2000);
            assertThat(report.get("globals").get("count").asLong()).as("records applied").isEqualTo(produced.get());
            assertThat(report.get("globals").get("total").asLong()).isEqualTo(sum.get());
            assertThat(report.get("modules").get("Accounts").get("sum(balance)").asLong()).isEqualTo(sum.get());
        }
    }
}
