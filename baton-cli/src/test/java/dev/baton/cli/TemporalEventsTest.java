package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code baton run --engine temporal --events -}: JSON lines on standard input reach the run's
 * workflow as signals; the process is killed with {@code kill -9} after some were acknowledged,
 * and the same command, fed again from before the last acknowledgement, finishes the run — every
 * event applied exactly once, the resent ones acknowledged again without being applied, a bad
 * line rejected with its line number.
 */
class TemporalEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eventsFromStandardInputReachTheRunOnTemporalExactlyOnceAcrossAKill(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), TemporalKafkaTest.BUSY_LEDGER);
        int n = 3000;
        Random rnd = new Random(11);
        int[] account = new int[n + 1];
        int[] amount = new int[n + 1];
        long total = 0;
        for (int i = 1; i <= n; i++) {
            account[i] = rnd.nextInt(16);
            amount[i] = 1 + rnd.nextInt(1000);
            total += amount[i];
        }
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            String id = WorkflowHistory.runId("ledger.baton", TemporalKafkaTest.BUSY_LEDGER, 1, temporal.target());
            String[] cmd = {"run", "ledger.baton", "--engine", "temporal", "--temporal", temporal.target(), "--events", "-", "--report", "json"};
            Process first = ChildProcess.startMerged(dir, cmd);
            List<String> firstOut = ChildProcess.lines(first);
            try (OutputStream in = first.getOutputStream()) {
                in.write("this is not an event\n".getBytes(StandardCharsets.UTF_8));
                for (int s = 1; s <= 2000; s++) {
                    in.write(event(s, account[s], amount[s]));
                    if (s % 100 == 0) {
                        in.flush();
                        Thread.sleep(20);
                    }
                }
                in.flush();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (highestAck(firstOut) < 500 && System.nanoTime() < deadline) Thread.sleep(20);
                // kill while a workflow task is in flight (see TemporalKafkaTest.BUSY_LEDGER)
                boolean midTask = false;
                while (!midTask && System.nanoTime() < deadline) {
                    List<io.temporal.api.history.v1.HistoryEvent> events = history.events(id);
                    midTask = !events.isEmpty()
                            && events.get(events.size() - 1).getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED;
                }
                ChildProcess.kill9(first);
                assertThat(midTask).as("the kill landed while a workflow task was in flight").isTrue();
            }
            long acked = highestAck(firstOut);
            assertThat(acked).as("events the killed process had handed to the run").isGreaterThanOrEqualTo(500);
            assertThat(firstOut).anyMatch(l -> l.startsWith("reject line 1: invalid JSON: "));

            Process last = ChildProcess.startMerged(dir, cmd);
            List<String> lastOut = ChildProcess.lines(last);
            long from = Math.max(1, acked - 50);
            try (OutputStream in = last.getOutputStream()) {
                for (long s = from; s <= n; s++) in.write(event(s, account[(int) s], amount[(int) s]));
            }
            assertThat(last.waitFor(180, TimeUnit.SECONDS)).isTrue();
            ChildProcess.awaitEnd(lastOut, 60); // the reader has taken the last lines
            assertThat(last.exitValue()).as(String.join("\n", lastOut)).isZero();
            String text = String.join("\n", lastOut);
            JsonNode report = JSON.readTree(text.substring(text.indexOf('{')));
            assertThat(report.get("engine").asText()).isEqualTo("temporal");
            assertThat(report.get("globals").get("count").asLong()).as("events applied").isEqualTo(n);
            assertThat(report.get("globals").get("total").asLong()).isEqualTo(total);
            assertThat(lastOut.stream().filter(l -> l.startsWith("ack ")).count()).as("every event sent to the second process is acknowledged")
                    .isEqualTo(n - from + 1);
        }
    }

    /**
     * A trickle of events (one every 10 ms for 3 s) reaches the run in a few signals — at most one
     * per 100 ms, not one per read of standard input — every event applied once.
     */
    @Test
    void aTrickleOfEventsIsCoalescedIntoFewSignals(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), KafkaKillTest.LEDGER);
        int n = 300;
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            Process p = ChildProcess.start(dir, "run", "ledger.baton", "--engine", "temporal", "--temporal", temporal.target(), "--events", "-",
                    "--report", "json");
            List<String> out = ChildProcess.lines(p);
            long total = 0;
            try (OutputStream in = p.getOutputStream()) {
                for (int s = 1; s <= n; s++) {
                    in.write(event(s, s % 16, s));
                    in.flush();
                    total += s;
                    Thread.sleep(10);
                }
            }
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            ChildProcess.awaitEnd(out, 60);
            assertThat(p.exitValue()).as(String.join("\n", out)).isZero();
            String text = String.join("\n", out);
            JsonNode report = JSON.readTree(text.substring(text.indexOf('{')));
            assertThat(report.get("globals").get("count").asLong()).isEqualTo(n);
            assertThat(report.get("globals").get("total").asLong()).isEqualTo(total);
            assertThat(report.get("resumed").asBoolean()).as("few enough workflow tasks that the run never continued as new").isFalse();
            String id = WorkflowHistory.runId("ledger.baton", KafkaKillTest.LEDGER, 1, temporal.target());
            long signals = history.count(id, io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
            assertThat(signals).as("signals for 300 events over 3 s").isBetween(2L, 45L);
        }
    }

    private static long highestAck(List<String> out) {
        return out.stream().filter(l -> l.startsWith("ack ")).mapToLong(l -> Long.parseLong(l.substring(4).trim())).max().orElse(0);
    }


    private static byte[] event(long seq, int account, int amount) {
        return ("{\"seq\": " + seq + ", \"event\": \"Bank.Deposit\", \"payload\": {\"account\": " + account + ", \"amount\": " + amount + "}}\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
