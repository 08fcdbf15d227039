package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Inbox;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.ValueError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.baton.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a producer of external events is promised, tried from outside: a live run's data
 * directory cannot be pulled from under it, over-long or malformed lines are rejected with the
 * reason and the rest of the input is still read, input that cannot be read never ends a run
 * as if it were complete, and standard output holds only the report with {@code --report json}.
 */
class InputContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static String event(long seq, int account, int amount) {
        return "{\"seq\": " + seq + ", \"event\": \"Bank.Deposit\", \"payload\": {\"account\": " + account + ", \"amount\": " + amount + "}}\n";
    }


    /** Waits (observed progress, not a duration) until {@code n} lines start with "ack "; a generous bound only guards against a hang. */
    static void awaitAcks(List<String> out, Process p, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (out.stream().filter(l -> l.startsWith("ack ")).count() < n) {
            assertThat(System.nanoTime()).as("acknowledgements seen: " + out).isLessThan(deadline);
            assertThat(p.isAlive()).as("the run is still up: " + out).isTrue();
            Thread.sleep(10);
        }
    }

    @Test
    void aLiveRunsDirectoryCannotBeFreshenedOrResumedFromAnotherProcess(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), KillTest.LEDGER);
        Process live = ChildProcess.startMerged(dir, "run", "ledger.baton", "--events", "-", "--data-dir", "d");
        List<String> out = ChildProcess.lines(live);
        try (OutputStream in = live.getOutputStream()) {
            for (int s = 1; s <= 5; s++) in.write(event(s, s, 100 * s).getBytes(StandardCharsets.UTF_8));
            in.flush();
            awaitAcks(out, live, 5);
            String ledger = dir.resolve("ledger.baton").toString();
            String data = dir.resolve("d").toString();
            long journal = Files.size(dir.resolve("d/journal.log"));
            for (String[] args : List.of(new String[] {"run", ledger, "--fresh", "--data-dir", data},
                    new String[] {"run", ledger, "--data-dir", data},
                    new String[] {"run", ledger, "--fresh", "--data-dir", data, "--emit-log", dir.resolve("emit.log").toString()},
                    new String[] {"history", ledger, "--data-dir", data})) {
                CliTest.Run refused = run(args);
                assertThat(refused.code()).as(String.join(" ", args)).isEqualTo(ExitCode.IN_USE);
                assertThat(refused.err()).contains(data + " is in use by another baton process (pid " + live.pid() + ")");
            }
            assertThat(Files.size(dir.resolve("d/journal.log"))).as("the journal was not touched").isEqualTo(journal);
            assertThat(Files.exists(dir.resolve("emit.log"))).as("nor was an event log opened").isFalse();
            ChildProcess.kill9(live);
        }
        CliTest.Run resumed = run("run", dir.resolve("ledger.baton").toString(), "--data-dir", dir.resolve("d").toString(), "--report", "json");
        assertThat(resumed.code()).isZero();
        assertThat(JSON.readTree(resumed.out()).get("globals").get("total").asLong()).as("the five acknowledged deposits").isEqualTo(1500);
    }

    /** SIGTERM (as Ctrl-C): the run stops at its next slice, snapshots, says how to resume, exits 143; the same command goes on. */
    @Test
    void aSignalStopsTheRunResumablyAndSaysSo(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("beats.baton"), KillTest.BEATS);
        Process p = ChildProcess.startWithErr(dir, "run", "beats.baton", "--clock", "real", "--duration", "1h", "--data-dir", "d");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        // observed progress: the first snapshot is on disk
        while (!hasSnapshot(dir.resolve("d"))) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            assertThat(p.isAlive()).isTrue();
            Thread.sleep(10);
        }
        p.toHandle().destroy(); // SIGTERM (Process.destroy would close our end of its pipes, losing what it says next)
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(143);
        assertThat(err).contains("baton run: interrupted: stopped at ").contains("run the same command again to resume it");
        CliTest.Run history = run("history", dir.resolve("beats.baton").toString(), "--data-dir", dir.resolve("d").toString());
        assertThat(history.out()).contains("status: in progress");
    }

    private static boolean hasSnapshot(Path d) throws IOException {
        if (!Files.isDirectory(d)) return false;
        try (var s = Files.list(d)) {
            return s.anyMatch(f -> f.getFileName().toString().startsWith("snapshot-") && f.getFileName().toString().endsWith(".bin"));
        }
    }

    @Test
    void aLineOverTheLimitIsRejectedAndTheInputAfterItIsRead(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), KillTest.LEDGER);
        Path events = dir.resolve("events.jsonl");
        String huge = "{\"seq\": 1, \"event\": \"Bank.Deposit\", \"payload\": {\"account\": 1, \"amount\": 1, \"pad\": \""
                + "x".repeat(3 * StdinInbox.MAX_LINE) + "\"}}\n";
        Files.writeString(events, huge + event(2, 1, 7) + "{\"seq\": 3, \"event\": \"Bank.Deposit\"} {\"seq\": 5}\n" + event(4, 2, 5));
        CliTest.Run r = run("run", dir.resolve("ledger.baton").toString(), "--data-dir", dir.resolve("d").toString(), "--events",
                events.toString(), "--report", "json");
        assertThat(r.code()).isZero();
        // with --report json, standard output is the report alone; the answers go to standard error
        JsonNode report = JSON.readTree(r.out());
        assertThat(report.get("globals").get("total").asLong()).isEqualTo(12);
        assertThat(r.err()).contains("reject line 1: " + (huge.length() - 1) + " bytes is over the limit of an event line (1048576 bytes); skipped",
                "ack 2", "reject line 3: invalid JSON: something follows the JSON value", "ack 4");
        assertThat(r.out()).doesNotContain("ack ");
    }

    @Test
    void withATextReportTheAnswersGoToStandardOutput(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), KillTest.LEDGER);
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, event(1, 1, 7));
        CliTest.Run r = run("run", dir.resolve("ledger.baton").toString(), "--data-dir", dir.resolve("d").toString(), "--events", events.toString());
        assertThat(r.out()).startsWith("ack 1\n");
    }

    @Test
    void aMissingEventsFileSaysSo(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), KillTest.LEDGER);
        CliTest.Run r = run("run", dir.resolve("ledger.baton").toString(), "--data-dir", dir.resolve("d").toString(), "--events",
                dir.resolve("missing.jsonl").toString());
        assertThat(r.code()).isEqualTo(ExitCode.INPUT);
        assertThat(r.err()).contains("missing.jsonl: no such file");
    }

    /** An input stream that fails after its first lines — as a dying pipe, or a reader out of memory, would. */
    private static InputStream failingAfter(String text, Throwable failure) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new InputStream() {
            private final ByteArrayInputStream in = new ByteArrayInputStream(bytes);

            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b < 0) fail();
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = in.read(buf, off, len);
                if (n < 0) fail();
                return n;
            }

            private void fail() throws IOException {
                if (failure instanceof IOException io) throw io;
                if (failure instanceof Error e) throw e;
                throw (RuntimeException) failure;
            }
        };
    }

    @Test
    void inputThatCannotBeReadStopsTheRunUnfinishedAndResumable(@TempDir Path dir) throws Exception {
        Plan plan = Programs.load(writeLedger(dir), new PrintWriter(new StringWriter()), "test");
        for (Throwable failure : List.<Throwable>of(new IOException("connection reset"), new OutOfMemoryError("Java heap space"))) {
            Path data = dir.resolve("d-" + failure.getClass().getSimpleName());
            StringWriter acks = new StringWriter();
            StdinInbox inbox = StdinInbox.reading(failingAfter(event(1, 1, 10) + event(2, 2, 20), failure), "the test's pipe",
                    new PrintWriter(acks, true));
            assertThatThrownBy(() -> new EmbeddedEngine(plan, EngineOptions.defaults().withDataDir(data).withInbox(inbox)).run())
                    .isInstanceOf(EmbeddedEngine.InputFailed.class)
                    .hasMessageContaining("reading the test's pipe failed after line 2")
                    .hasMessageContaining("the run stopped unfinished");
            assertThat(acks.toString()).contains("ack 1", "ack 2");
            assertThat(Files.exists(data.resolve("report.json"))).as("not finished").isFalse();
            // the same run, resumed with the rest of the input
            StdinInbox rest = StdinInbox.reading(new ByteArrayInputStream((event(2, 2, 20) + event(3, 3, 30)).getBytes(StandardCharsets.UTF_8)),
                    "the rest", new PrintWriter(new StringWriter(), true));
            RunReport r = new EmbeddedEngine(plan, EngineOptions.defaults().withDataDir(data).withInbox(rest)).run();
            assertThat(r.globals().get("total")).isEqualTo(60L);
        }
    }

    @Test
    void theCommandLineSaysTheInputFailedAndExitsNonZero(@TempDir Path dir) throws Exception {
        writeLedger(dir);
        // a directory given as the events file cannot be read as lines: an error at once, exit 3
        Files.createDirectories(dir.resolve("events"));
        CliTest.Run r = run("run", dir.resolve("ledger.baton").toString(), "--data-dir", dir.resolve("d").toString(), "--events",
                dir.resolve("events").toString());
        assertThat(r.code()).isEqualTo(ExitCode.INPUT);
        assertThat(r.err()).contains("is a directory");
    }

    private static String writeLedger(Path dir) throws IOException {
        Path f = dir.resolve("ledger.baton");
        Files.writeString(f, KillTest.LEDGER);
        return f.toString();
    }

    // --------------------------------------------------------------------------------- lines

    @Test
    void anEventLineIsReadStrictly() {
        Inbox.Item ok = StdinInbox.parse("{\"seq\": 3, \"event\": \"A.B\", \"payload\": {\"x\": 1}, \"producer\": \"web-1\"}");
        assertThat(ok).isEqualTo(new Inbox.Item("web-1", 3, "A.B", "{\"x\":1}"));
        assertThat(StdinInbox.parse("{\"seq\": 0, \"event\": \"A.B\"}").payloadJson()).isEqualTo("{}");
        String[][] bad = {
                {"{\"seq\": 1, \"event\": \"A.B\"} {}", "invalid JSON: something follows the JSON value"},
                {"{\"seq\": 1, \"seq\": 2, \"event\": \"A.B\"}", "invalid JSON: key 'seq' appears twice in one object"},
                {"{\"seq\": -1, \"event\": \"A.B\"}", "'seq' -1 is negative"},
                {"{\"seq\": 1.5, \"event\": \"A.B\"}", "'seq' is number 1.5, not an integer"},
                {"{\"seq\": 99999999999999999999, \"event\": \"A.B\"}", "does not fit in 64 bits"},
                {"{\"seq\": 1, \"event\": \"A.B\", \"payload\": {\"n\": " + "[".repeat(80) + "]".repeat(80) + "}}", "nested deeper than 64 levels"},
                {"{\"seq\": 1, \"event\": \"A.B\", \"sender\": 1}", "unknown field 'sender'"},
                {"{\"seq\": 1, \"event\": \"A.B\", \"producer\": \"a/b\"}", "'producer' is 1 to 64 letters"},
                {"[1]", "not an object"},
                {"{\"event\": \"A.B\"}", "no 'seq'"},
        };
        for (String[] b : bad) {
            assertThatThrownBy(() -> StdinInbox.parse(b[0])).as(b[0]).isInstanceOf(ValueError.class).hasMessageContaining(b[1]);
        }
    }

    @Test
    void aPayloadNumberOutOfRangeIsSaidPlainly(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.baton"), """
                Event A.B { n: Float }
                $n = 0.0
                Module M {
                    ON (A.B) {
                        $n = {n}
                    }
                }
                """);
        Path events = dir.resolve("e.jsonl");
        Files.writeString(events, "{\"seq\": 1, \"event\": \"A.B\", \"payload\": {\"n\": 1e400}}\n");
        CliTest.Run r = run("run", dir.resolve("p.baton").toString(), "--data-dir", dir.resolve("d").toString(), "--events", events.toString());
        assertThat(r.out()).contains("reject 1: number 1E+400 is out of range");
    }
}
