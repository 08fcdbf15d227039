package dev.baton.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /deploy}: a new version of the program deployed into the running service — the run
 * moved to it between two turns (state transformed, a sleeping workflow moved), durably, before
 * the answer; a program that does not check, or a run that cannot move, changes nothing.
 */
class DeployTest {
    /** The game (shared with the command line's tests): version 1, and version 2 with a bonus and a Migration from 1 counting each board's players. */
    static final String V1 = Served.text("game-v1.baton");
    static final String V2 = Served.text("game-v2.baton");

    @Test
    void aNewVersionDeployedIntoTheRunningServiceMovesItsRunAndServesOn(@TempDir Path dir) throws Exception {
        Path program = dir.resolve("game.baton");
        Files.writeString(program, V1);
        try (Served s = new Served(program, dir.resolve("d"), "t0ken")) {
            String[] auth = {"Authorization", "Bearer t0ken"};
            assertThat(s.postJson("/events/Game.Score", "{\"player\": \"ann\", \"points\": 5}", auth).statusCode()).isEqualTo(202);
            assertThat(s.postJson("/workflows/Quest", "{\"id\": \"q1\", \"args\": {\"player\": \"ann\"}}", auth).statusCode()).isEqualTo(201);

            // wrong input changes nothing: no token, an empty body, a program that does not check, one that cannot move
            assertThat(s.post("/deploy", "text/plain", V2).statusCode()).isEqualTo(401);
            ServeApiTest.assertProblem(s.post("/deploy", "text/plain", "", auth), 400, "invalid-request", "the new version");
            HttpResponse<String> bad = s.post("/deploy", "text/plain", V2.replace("len($points)", "len($pointz)"), auth);
            ServeApiTest.assertProblem(bad, 422, "program-invalid", "nothing changed");
            assertThat(bad.body()).contains("B0201").contains("game.baton:");
            ServeApiTest.assertProblem(s.post("/deploy", "text/plain", V2.replace("Await Game.Go", "Await Game.Go [timeout: 1h]"), auth), 409, "cannot-migrate",
                    "game.baton:16:5 (Await), in code version 2 changed");
            ServeApiTest.assertProblem(s.post("/deploy", "text/plain", V2.replace("version 2", "version 3").replace("Migration from 1", "Migration from 2"), auth),
                    409, "cannot-migrate", "version 3 has no Migration from 1");
            assertThat(Served.body(s.get("/state")).get("globals").toString()).doesNotContain("bonus");

            HttpResponse<String> ok = s.post("/deploy", "text/plain", V2, auth);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(Served.body(ok)).containsEntry("moved", true).containsEntry("from", 1).containsEntry("to", 2).containsEntry("suspended", 1);
            assertThat(Served.body(s.get("/state")).get("globals").toString()).contains("bonus=10");
            assertThat(s.get("/openapi.json").body()).contains("Quest");
            // the quest moved waiting and scores with the new code once it is told to go; a score sent now does too
            assertThat(s.postJson("/events/Game.Go", "{}", auth).statusCode()).isEqualTo(202);
            assertThat(Served.body(s.get("/workflows/q1/result?wait=30s"))).containsEntry("status", "COMPLETED");
            assertThat(s.postJson("/events/Game.Score", "{\"player\": \"bo\", \"points\": 1}", auth).statusCode()).isEqualTo(202);
            Map<String, Object> board = Served.cast(Served.body(s.get("/modules/Board/0")).get("state"));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60); // a bound for a hang only
            while (!board.get("$points").toString().contains("bo") && System.nanoTime() < deadline) {
                Thread.sleep(20); // the event is durable (202); wait until it is seen applied
                board = Served.cast(Served.body(s.get("/modules/Board/0")).get("state"));
            }
            assertThat(board).containsEntry("$players", 1);
            assertThat(Served.<Object>cast(board.get("$points"))).containsEntry("ann", 5 + 100 + 10).containsEntry("bo", 1 + 10);
            assertThat(Files.readString(dir.resolve("d/migrations.log"))).contains("\"from\":1").contains("\"to\":2");
        }
        // it resumes under the new version
        Files.writeString(program, V2);
        try (Served s = new Served(program, dir.resolve("d"), null)) {
            assertThat(Served.body(s.get("/state")).get("globals").toString()).contains("bonus=10");
        }
    }
}
