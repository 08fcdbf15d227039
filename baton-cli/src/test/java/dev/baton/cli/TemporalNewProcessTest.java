package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import static org.assertj.core.api.Assertions.assertThat;

/** A run on Temporal taken on by a new process: after a SIGTERM, and with a new version of its program. */
class TemporalNewProcessTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path shared;
    static LocalTemporal temporal;

    @BeforeAll
    static void startTemporal() throws Exception {
        temporal = LocalTemporal.start(LocalKafka.freePort(), shared.resolve("temporal"));
    }

    @AfterAll
    static void stopTemporal() {
        if (temporal != null) temporal.close();
    }

    /**
     * {@code baton serve --engine temporal} stopped with SIGTERM and started again in a new process,
     * twice: each stop hands the run over (its shutdown hooks run at the same time, and the one
     * that comes second must not cut the connection under the other's hand-over), so each new process
     * serves the same run at once, with every deposit answered before the stop in its state.
     */
    @Test
    void aServiceStoppedWithSigtermIsServedAgainByANewProcessWithItsState(@TempDir Path dir) throws Exception {
        {
            String[] serve = {"serve", ServeKillTest.BANK.toString(), "--engine", "temporal", "--temporal", temporal.target(), "--port", "0",
                    "--data-dir", dir.resolve("d").toString()};
            for (int i = 1; i <= 2; i++) {
                Process p = ChildProcess.startMerged(dir, serve);
                List<String> lines = ChildProcess.lines(p);
                String base = started(p, lines);
                assertThat(balance(base)).as("start %d: the deposits answered before the stop", i).isEqualTo(10L * (i - 1));
                HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/events/Bank.Deposit"))
                        .header("content-type", "application/json").header("Idempotency-Key", "dep-" + i)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"account\": 0, \"amount\": 10}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a bound for a hang only
                while (balance(base) != 10L * i && System.nanoTime() < deadline) Thread.sleep(20);
                assertThat(balance(base)).isEqualTo(10L * i);
                p.destroy(); // SIGTERM: the shutdown hooks hand the run over
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("stopped: %s", lines).isTrue();
            }
            Process p = ChildProcess.startMerged(dir, serve);
            String base = started(p, ChildProcess.lines(p));
            assertThat(balance(base)).isEqualTo(20L);
            p.destroy();
            p.waitFor(120, TimeUnit.SECONDS);
        }
    }

    /** The serve tests' game: version 1, and version 2 with a bonus and a Migration from 1 counting each board's players. */
    static final String V1 = read("game-v1.baton");
    static final String V2 = read("game-v2.baton");

    private static String read(String name) {
        try {
            return Files.readString(Path.of("../baton-serve/src/test/resources", name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * {@code baton run --engine temporal} of an edited program while the run of the earlier version
     * still goes on (its inbox open, its process stopped with SIGTERM): a version the run cannot move
     * to is refused with the reason and exit code 3, and the run is untouched; version 2 with a
     * {@code Migration from 1} is deployed into the same run — not a new one — taken at its next
     * continue-as-new, the migration applied to the state the run had, and the run finishes under it.
     */
    @Test
    void anEditedProgramMovesItsRunningRunOnTemporalToTheNewVersion(@TempDir Path dir) throws Exception {
        Path game = dir.resolve("game.baton");
        Files.writeString(game, V1);
        String[] cmd = {"run", "game.baton", "--engine", "temporal", "--temporal", temporal.target(), "--events", "-", "--report", "json"};
        Process first = ChildProcess.startMerged(dir, cmd); // the acknowledgements are on standard error with --report json
        List<String> firstOut = ChildProcess.lines(first);
        try (OutputStream in = first.getOutputStream()) {
            in.write(score(1, "ann", 5));
            in.write(score(2, "bo", 3));
            in.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a bound for a hang only
            while (!firstOut.contains("ack 2") && first.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(firstOut).contains("ack 2");
            // SIGTERM, as a service manager sends it, with the input still open (Process.destroy would close it at once:
            // that the end of input coming with the signal does not close the run's inbox is a matter of timing)
            new ProcessBuilder("kill", "-TERM", Long.toString(first.pid())).start().waitFor();
            assertThat(first.waitFor(120, TimeUnit.SECONDS)).isTrue();
        }
        String v1Id = WorkflowHistory.runId("game.baton", V1, 1, temporal.target());

        // a version 2 without a Migration from 1: refused, nothing moved
        Files.writeString(game, V2.substring(0, V2.indexOf("\nMigration from 1")));
        Process refused = ChildProcess.startMerged(dir, cmd);
        refused.getOutputStream().close();
        String said = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(refused.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(refused.exitValue()).as(said).isEqualTo(ExitCode.INPUT);
        assertThat(said).contains("the run " + v1Id + " on Temporal cannot move from version 1 to version 2, so nothing moved")
                .contains("version 2 has no Migration from 1");

        Files.writeString(game, V2);
        Process moved = ChildProcess.startWithErr(dir, cmd);
        List<String> movedErr = ChildProcess.lines(moved, true);
        String out;
        try (OutputStream in = moved.getOutputStream()) {
            in.write(score(3, "ann", 1));
        }
        out = new String(moved.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(moved.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(moved.exitValue()).as("%s\n%s", out, movedErr).isZero();
        // the note says the run moved — or, when the first answer was lost and the deploy sent again, that it runs this version
        assertThat(movedErr).anyMatch(l -> l.startsWith("baton run: moved the run " + v1Id + " from version 1 to version 2: 1 instance(s)")
                || l.equals("baton run: the run " + v1Id + " goes on: the same program (comments and layout apart)"));
        JsonNode report = JSON.readTree(out.substring(out.indexOf('{')));
        JsonNode board = report.get("modules").get("Board");
        assertThat(board.get("players").asLong()).as("set by the migration from the run's state").isEqualTo(2);
        assertThat(board.get("points").toString()).isEqualTo("{\"ann\":16,\"bo\":3}"); // 5, then 1 + the new bonus of 10
        assertThat(report.get("globals").get("bonus").asLong()).isEqualTo(10);
        assertThat(Files.readString(dir.resolve(".baton/game/temporal-runs.properties"))).contains(v1Id);
    }

    private static byte[] score(long seq, String player, int points) {
        return ("{\"seq\": " + seq + ", \"event\": \"Game.Score\", \"payload\": {\"player\": \"" + player + "\", \"points\": " + points + "}}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String started(Process p, List<String> lines) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180); // a bound for a hang only
        while (true) {
            for (String l : List.copyOf(lines)) {
                Matcher m = ServeKillTest.AT.matcher(l);
                if (m.find()) return "http://127.0.0.1:" + m.group(1);
            }
            if (!p.isAlive()) throw new AssertionError("baton serve exited: " + lines);
            if (System.nanoTime() > deadline) throw new AssertionError("baton serve did not start: " + lines);
            Thread.sleep(5);
        }
    }

    private long balance(String base) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/modules/Account/0/Balance")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ((Number) JSON.readValue(r.body(), Map.class).get("value")).longValue();
    }
}
