package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

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
            DepositProducer producer = new DepositProducer(kafka.bootstrap(), 11, 200);
            String events = "kafka://" + kafka.bootstrap() + "?stop-when-idle=5s";
            Random rnd = new Random(20261127);
            Path journal = dir.resolve("data/journal.log");
            int kills = 0;
            for (int attempt = 0; attempt < 8; attempt++) {
                long journaled = Files.exists(journal) ? Files.size(journal) : 0;
                long producedBefore = producer.produced();
                Process p = ChildProcess.start(dir, "run", "ledger.baton", "--events", events, "--data-dir", "data", "--report", "json",
                        "--no-progress");
                // observed progress, not wall time: the run has journaled records it consumed, and the producer is
                // still writing — so the kill lands with records both applied and in flight, however loaded the machine
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (!(Files.exists(journal) && Files.size(journal) > journaled && producer.produced() >= producedBefore + 100)) {
                    if (!p.isAlive()) {
                        throw new AssertionError("the run ended while the producer was still writing: "
                                + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                    }
                    assertThat(System.nanoTime()).as("the run journals what it consumes").isLessThan(deadline);
                    Thread.sleep(5);
                }
                Thread.sleep(rnd.nextInt(200)); // a random point in the stream
                ChildProcess.kill9(p);
                kills++;
            }
            producer.stop();
            Process last = ChildProcess.start(dir, "run", "ledger.baton", "--events", events, "--data-dir", "data", "--report", "json",
                    "--no-progress");
            String out = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(last.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(last.exitValue()).as(out).isZero();
            JsonNode report = JSON.readTree(out);
            assertThat(kills).isEqualTo(8);
            assertThat(producer.produced()).as("the producer wrote during every cycle").isGreaterThanOrEqualTo(800);
            assertThat(report.get("globals").get("count").asLong()).as("records applied").isEqualTo(producer.produced());
            assertThat(report.get("globals").get("total").asLong()).isEqualTo(producer.sum());
            assertThat(report.get("modules").get("Accounts").get("sum(balance)").asLong()).isEqualTo(producer.sum());
        }
    }
}
