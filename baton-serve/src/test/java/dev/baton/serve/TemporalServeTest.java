package dev.baton.serve;

import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.plan.Plan;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import dev.baton.temporal.TemporalTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static dev.baton.serve.ServeApiTest.assertProblem;
import static dev.baton.serve.ServeApiTest.globals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code baton serve --engine temporal}: the same routes and answers with the program as a run on
 * Temporal's test server — events as signals (202 once Temporal has them), {@code /execute} and
 * workflow starts and cancels as updates, {@code /return} and reads as queries, emitted events on
 * the stream — and idempotency answers that survive the serving process being replaced. A change
 * made through a signal is applied by the run after the answer, so each check waits until the
 * change is seen, never for a stretch of time.
 */
class TemporalServeTest {
    static final Path BANK = Served.resource("bank.baton");
    static LocalTemporal temporal;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startTemporal() throws Exception {
        temporal = LocalTemporal.start(LocalKafka.freePort(), tmp.resolve("temporal"));
    }

    @AfterAll
    static void stopTemporal() {
        if (temporal != null) temporal.close();
    }

    static Served serve(Path dir) throws Exception {
        return serve(BANK, dir);
    }

    @Test
    void theSameRoutesAnswerAlikeOnTemporalAndKeepTheirIdempotencyAcrossARestart() throws Exception {
        Path dir = tmp.resolve("serve");
        String deposit = "{\"account\": 0, \"amount\": 40}";
        try (Served s = serve(dir)) {
            assertThat(Served.body(s.get("/healthz"))).containsEntry("engine", "temporal").containsEntry("status", "ok");
            HttpResponse<String> first = s.postJson("/events/Bank.Deposit", deposit, "Idempotency-Key", "dep-1");
            assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
            assertThat(Served.body(first)).containsEntry("accepted", 1).containsEntry("producer", "http");
            HttpResponse<String> again = s.postJson("/events/Bank.Deposit", deposit, "Idempotency-Key", "dep-1");
            assertThat(again.statusCode()).isEqualTo(202);
            assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(Served.body(again).get("seqs")).isEqualTo(Served.body(first).get("seqs"));
            assertProblem(s.postJson("/events/Bank.Deposit", "{\"account\": 1, \"amount\": 1}", "Idempotency-Key", "dep-1"), 422,
                    "idempotency-key-reused", "different request");
            assertThat(s.postJson("/events/Bank.Deposit", "[{\"account\": 1, \"amount\": 5}, {\"account\": 1, \"amount\": 5}]").statusCode()).isEqualTo(202);
            Map<String, Object> g = await(s, m -> Objects.equals(m.get("deposits"), 3));
            assertThat(g).containsEntry("deposited", 50);
            assertThat(Served.<Object>cast(Served.body(s.get("/report")).get("report"))).containsEntry("deposited", 50);
            assertProblem(s.postJson("/events/Bank.Deposit", "{\"account\": 9, \"amount\": 1}"), 400, "invalid-request", "do not fit");

            // /execute as an update: its reply, its declared failure, and a resend answered once
            HttpResponse<String> w = s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 15}", "Idempotency-Key", "w-1");
            assertThat(w.statusCode()).as(w.body()).isEqualTo(200);
            assertThat(Served.body(w)).containsEntry("target", "Account[0].Withdraw").containsEntry("value", 25);
            HttpResponse<String> wAgain = s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 15}", "Idempotency-Key", "w-1");
            assertThat(Served.body(wAgain)).containsEntry("value", 25);
            assertProblem(s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 1000}"), 422, "endpoint-failed", "insufficient funds");
            // /return as a query, with GET or POST
            assertThat(Served.body(s.get("/modules/Account/0/Balance"))).containsEntry("value", 25);
            assertThat(Served.body(s.postJson("/modules/Account/1/Balance", ""))).containsEntry("value", 10);
            Map<String, Object> inst = Served.body(s.get("/modules/Account/0"));
            assertThat(inst).containsEntry("name", "Account[0]").containsKey("mailbox");
            assertThat(Served.<Object>cast(inst.get("state"))).containsEntry("$balance", 25);
            assertThat(Served.body(s.get("/modules/Account"))).containsEntry("total", 2);

            // workflows: start (the same id is the same workflow), result, cancel, listing
            String start = "{\"id\": \"t1\", \"args\": {\"from\": 0, \"to\": 1, \"amount\": 20}}";
            HttpResponse<String> started = s.postJson("/workflows/Transfer", start);
            assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
            assertThat(Served.body(started)).containsEntry("id", "t1").containsEntry("created", true);
            assertThat(s.postJson("/workflows/Transfer", start).statusCode()).isEqualTo(200);
            Map<String, Object> result = Served.body(s.get("/workflows/t1/result?wait=30s"));
            assertThat(result).containsEntry("status", "COMPLETED").containsEntry("result", 5);
            HttpResponse<String> hold = s.postJson("/workflows/Hold", "{\"id\": \"h1\", \"args\": {\"minutes\": 5}}");
            assertThat(hold.statusCode()).isEqualTo(201);
            assertThat(s.post("/workflows/h1/cancel", null, "").statusCode()).isEqualTo(202);
            Map<String, Object> held = Served.body(s.get("/workflows/h1/result?wait=30s"));
            assertThat(held).containsEntry("status", "CANCELLED");
            assertThat(Served.body(s.get("/workflows?status=cancelled")).toString()).contains("h1").doesNotContain("t1");
            assertProblem(s.get("/workflows/nope"), 404, "no-such-workflow", "nope");
            assertProblem(s.post("/workflows/nope/cancel", null, ""), 404, "no-such-workflow", "nope");
            // the run's workflow keeps its decisions (this program asks no AI: none)
            Map<String, Object> asks = Served.body(s.get("/asks"));
            assertThat(asks).containsEntry("count", 0).containsEntry("asks", List.of()).doesNotContainKey("note");

            // the stream: the run's emitted events and the failures it recorded, numbered here 1, 2, … (each once)
            assertThat(streamUntil(s, line -> line.contains("Bank.Deposited") && line.contains("\"balance\":10"))).isTrue();
            Map<String, Object> errors = null;
            for (int i = 0; i < 3000 && (errors == null || !errors.toString().contains("insufficient funds")); i++) {
                if (errors != null) Thread.sleep(20);
                errors = Served.body(s.get("/errors"));
            }
            assertThat(errors.toString()).contains("insufficient funds").contains("bank.baton:");
            List<StreamLog.Entry> entries = s.backend.stream().after(0, 1000);
            for (int i = 0; i < entries.size(); i++) assertThat(entries.get(i).id()).isEqualTo(i + 1);
        }
        // another process serves the run: the answers kept under a key are replayed, nothing applied twice
        try (Served s = serve(dir)) {
            HttpResponse<String> replay = s.postJson("/events/Bank.Deposit", deposit, "Idempotency-Key", "dep-1");
            assertThat(replay.statusCode()).isEqualTo(202);
            assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(Served.body(s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 15}", "Idempotency-Key", "w-1")))
                    .containsEntry("value", 25);
            assertThat(s.postJson("/events/Bank.Deposit", "{\"account\": 1, \"amount\": 1}").statusCode()).isEqualTo(202);
            // the last event applied, after everything sent before it: had a resend counted, deposits would be 5
            Map<String, Object> g = await(s, m -> Objects.equals(m.get("deposited"), 71));
            assertThat(g).containsEntry("deposits", 5);
        }
    }

    static Served serve(Path program, Path dir) throws Exception {
        Plan plan = Served.plan(program);
        return new Served(d -> {
            try {
                return new TemporalBackend(plan, Map.of(), EngineOptions.defaults(), temporal.target(), "default",
                        new TemporalTls(false, null, null, null, null), "baton", false, d, StreamLog.open(d));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, dir, null);
    }

    /**
     * {@code POST /deploy} on Temporal: wrong input changes nothing (422 with positions, 409 with
     * every reason); the new version is taken at the run's next continue-as-new — its state
     * transformed, a waiting workflow moved — and served on; a restart with the new program attaches
     * to the same run, and a run started under version 1 moves when the service restarts with version 2.
     */
    @Test
    void aNewVersionDeployedIntoARunOnTemporalIsTakenAtItsNextContinueAsNew() throws Exception {
        Path program = tmp.resolve("game.baton");
        Files.writeString(program, DeployTest.V1);
        Path dir = tmp.resolve("deploy");
        try (Served s = serve(program, dir)) {
            assertThat(s.postJson("/events/Game.Score", "{\"player\": \"ann\", \"points\": 5}").statusCode()).isEqualTo(202);
            assertThat(s.postJson("/workflows/Quest", "{\"id\": \"q1\", \"args\": {\"player\": \"ann\"}}").statusCode()).isEqualTo(201);
            awaitPoints(s, "ann", 5);

            HttpResponse<String> bad = s.post("/deploy", "text/plain", DeployTest.V2.replace("len($points)", "len($pointz)"));
            assertProblem(bad, 422, "program-invalid", "nothing changed");
            assertThat(bad.body()).contains("B0201").contains("game.baton:");
            assertProblem(s.post("/deploy", "text/plain", DeployTest.V2.replace("Await Game.Go", "Await Game.Go [timeout: 1h]")), 409, "cannot-migrate",
                    "game.baton:16:5 (Await), in code version 2 changed");
            assertProblem(s.post("/deploy", "text/plain", DeployTest.V2.replace("version 2", "version 3").replace("Migration from 1", "Migration from 2")),
                    409, "cannot-migrate", "version 3 has no Migration from 1");
            assertThat(Served.body(s.post("/deploy", "text/plain", DeployTest.V1 + "\n# a comment\n"))).containsEntry("moved", false);
            assertThat(globals(s)).doesNotContainKey("bonus");

            HttpResponse<String> ok = s.post("/deploy", "text/plain", DeployTest.V2);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(Served.body(ok)).containsEntry("moved", true).containsEntry("from", 1).containsEntry("to", 2).containsEntry("suspended", 1);
            assertThat(await(s, g -> g.containsKey("bonus"))).containsEntry("bonus", 10);
            assertThat(s.get("/openapi.json").body()).contains("Quest");
            // the quest moved waiting and scores with the new code once told to go; a score sent now does too
            assertThat(s.postJson("/events/Game.Go", "{}").statusCode()).isEqualTo(202);
            assertThat(Served.body(s.get("/workflows/q1/result?wait=60s"))).containsEntry("status", "COMPLETED");
            assertThat(s.postJson("/events/Game.Score", "{\"player\": \"bo\", \"points\": 1}").statusCode()).isEqualTo(202);
            Map<String, Object> board = awaitPoints(s, "bo", 1 + 10);
            assertThat(board).containsEntry("$players", 1);
            assertThat(Served.<Object>cast(board.get("$points"))).containsEntry("ann", 5 + 100 + 10);
        }
        // the same service again, now with the new program: the same run
        Files.writeString(program, DeployTest.V2);
        try (Served s = serve(program, dir)) {
            assertThat(Served.<Object>cast(Served.body(s.get("/modules/Board/0")).get("state")).get("$points").toString()).contains("bo=11");
        }
        // … and with the old one again: the run cannot go back, so the service does not start
        Files.writeString(program, DeployTest.V1);
        assertThatThrownBy(() -> serve(program, dir).close()).hasMessageContaining("cannot move to this version of")
                .hasMessageContaining("the new program is version 1, not newer than the run's version 2");

        // a run started under version 1, served again with version 2: it moves when the service starts
        Path other = tmp.resolve("other.baton");
        Files.writeString(other, DeployTest.V1);
        Path dir2 = tmp.resolve("deploy2");
        try (Served s = serve(other, dir2)) {
            assertThat(s.postJson("/events/Game.Score", "{\"player\": \"cy\", \"points\": 7}").statusCode()).isEqualTo(202);
            awaitPoints(s, "cy", 7);
        }
        Files.writeString(other, DeployTest.V2);
        try (Served s = serve(other, dir2)) {
            assertThat(globals(s)).containsEntry("bonus", 10);
            assertThat(Served.<Object>cast(Served.body(s.get("/modules/Board/0")).get("state"))).containsEntry("$players", 1);
        }
    }

    /** Board[0]'s state once {@code player} has {@code points} (an event is applied after its 202). */
    static Map<String, Object> awaitPoints(Served s, String player, int points) throws Exception {
        for (int i = 0; ; i++) {
            Map<String, Object> board = Served.cast(Served.body(s.get("/modules/Board/0")).get("state"));
            if (Objects.equals(Served.<Object>cast(board.get("$points")).get(player), points)) return board;
            if (i > 3000) throw new AssertionError("Board[0] never had " + player + " at " + points + ": " + board);
            Thread.sleep(20);
        }
    }

    /** The globals once {@code until} holds of them (the run applies signalled events after their 202). */
    static Map<String, Object> await(Served s, Predicate<Map<String, Object>> until) throws Exception {
        for (int i = 0; ; i++) {
            Map<String, Object> g = globals(s);
            if (until.test(g)) return g;
            if (i > 3000) throw new AssertionError("the globals never got there: " + g);
            Thread.sleep(20);
        }
    }

    /** Reads {@code /stream} until a line matches (true), or it ends. */
    static boolean streamUntil(Served s, Predicate<String> match) throws Exception {
        HttpResponse<Stream<String>> r = s.http.send(HttpRequest.newBuilder(URI.create(s.base() + "/stream")).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(120)).GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = r.body()) {
            return lines.anyMatch(match);
        }
    }
}
