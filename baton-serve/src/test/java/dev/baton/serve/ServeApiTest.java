package dev.baton.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The API over real HTTP: every route, every error status with its problem body, limits, auth, idempotency. */
class ServeApiTest {
    static final Path BANK = Served.resource("bank.baton");

    @TempDir
    Path dir;

    @Test
    void eventsAreAcceptedAsOneArrayOrNdjsonAndCheckedFieldByField() throws Exception {
        try (Served s = new Served(BANK, dir, null)) {
            HttpResponse<String> one = s.postJson("/events/Bank.Deposit", "{\"account\": 0, \"amount\": 10}");
            assertThat(one.statusCode()).isEqualTo(202);
            assertThat(Served.body(one)).containsEntry("accepted", 1).containsEntry("seqs", List.of(1));
            HttpResponse<String> many = s.postJson("/events/Bank.Deposit", "[{\"account\": 1, \"amount\": 5}, {\"account\": 0, \"amount\": 7}]");
            assertThat(Served.body(many)).containsEntry("seqs", List.of(2, 3));
            HttpResponse<String> nd = s.post("/events/Bank.Deposit", "application/x-ndjson", "{\"account\": 1, \"amount\": 1}\n\n{\"account\": 1, \"amount\": 2}\n");
            assertThat(nd.statusCode()).isEqualTo(202);
            assertThat(Served.body(nd)).containsEntry("accepted", 2);
            Map<String, Object> state = Served.body(s.get("/state"));
            assertThat(globals(s)).containsEntry("deposits", 5).containsEntry("deposited", 25);
            // the program's Report, evaluated against the live run
            assertThat(Served.<Object>cast(Served.body(s.get("/report")).get("report"))).containsEntry("deposited", 25).containsEntry("balances", 25);

            HttpResponse<String> bad = s.postJson("/events/Bank.Deposit", "[{\"account\": 3, \"amount\": 0}, {\"account\": 1, \"extra\": true}]");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            Map<String, Object> p = Served.body(bad);
            assertThat(p).containsEntry("status", 400).containsEntry("type", Problems.TYPE_BASE + "invalid-request");
            assertThat(pointers(p)).containsExactlyInAnyOrder("/0/account", "/0/amount", "/1/amount", "/1/extra");
            // nothing of a refused request was applied
            assertThat(globals(s)).containsEntry("deposits", 5);

            assertProblem(s.postJson("/events/Bank.Deposti", "{}"), 404, "no-such-event", "did you mean 'Bank.Deposit'");
            assertProblem(s.post("/events/Bank.Deposit", "text/plain", "x"), 415, "unsupported-media-type", "application/x-ndjson");
            assertProblem(s.postJson("/events/Bank.Deposit", "{\"account\": "), 400, "invalid-request", "not JSON");
            assertProblem(s.postJson("/events/Bank.Deposit", "[]"), 400, "invalid-request", "no events");
            assertProblem(s.postJson("/events/Bank.Deposit", "[" + "{\"account\": 0, \"amount\": 1},".repeat(10_000) + "{\"account\": 0, \"amount\": 1}]"),
                    413, "too-many-events", "at most 10000");
            assertProblem(s.postJson("/events/Bank.Deposit", "{\"account\": 0, \"amount\": 1, \"pad\": \"" + "x".repeat(HttpApi.MAX_BODY) + "\"}"),
                    413, "too-large", "at most");
            assertProblem(s.get("/events/Bank.Deposit"), 405, "method-not-allowed", "GET");
            assertProblem(s.get("/no/such/route"), 404, "not-found", "/no/such/route");
            assertProblem(s.get("/stream"), 406, "not-acceptable", "Accept: text/event-stream");
            assertThat(s.get("/no/such/route").body()).doesNotContain("Exception").doesNotContain("at dev.");
        }
    }

    @Test
    void commandsAnswerTheirReplyOrDeclaredFailureAndQueriesJournalNothing() throws Exception {
        try (Served s = new Served(BANK, dir, null)) {
            s.postJson("/events/Bank.Deposit", "{\"account\": 1, \"amount\": 100}");
            HttpResponse<String> w = s.postJson("/modules/Account/1/Withdraw", "{\"amount\": 30}");
            assertThat(w.statusCode()).isEqualTo(200);
            assertThat(Served.body(w)).containsEntry("target", "Account[1].Withdraw").containsEntry("value", 70);
            HttpResponse<String> over = s.postJson("/modules/Account/1/Withdraw", "{\"amount\": 1000}");
            assertProblem(over, 422, "endpoint-failed", "insufficient funds");
            assertThat(Served.body(over)).containsEntry("failure", "insufficient funds");
            assertProblem(s.postJson("/modules/Account/1/Withdraw", "{\"amount\": 0}"), 400, "invalid-request", "the arguments");
            assertThat(pointers(Served.body(s.postJson("/modules/Account/1/Withdraw", "{\"amount\": \"ten\", \"x\": 1}")))).containsExactlyInAnyOrder("/amount", "/x");
            assertProblem(s.postJson("/modules/Account/7/Withdraw", "{\"amount\": 1}"), 404, "no-such-instance", "7");
            assertProblem(s.postJson("/modules/Acount/1/Withdraw", "{\"amount\": 1}"), 404, "no-such-module", "did you mean 'Account'");
            assertProblem(s.postJson("/modules/Account/1/Withdrew", "{}"), 404, "no-such-endpoint", "did you mean 'Withdraw'");
            assertProblem(s.get("/modules/Account/1/Withdraw?amount=1"), 405, "method-not-allowed", "POST it");

            long before = Served.journalSize(dir);
            for (int i = 0; i < 20; i++) {
                assertThat(Served.body(s.get("/modules/Account/1/Balance"))).containsEntry("value", 70);
                assertThat(Served.body(s.postJson("/modules/Account/1/Balance", ""))).containsEntry("value", 70);
            }
            // 40 queries journal nothing: at most marks (the engine time reached, no input: streamed state and statistics)
            try (var journal = new dev.baton.runtime.internal.journal.FileJournal(dir.resolve("journal.log"), true)) {
                for (var e : journal.readFrom(before)) {
                    assertThat(dev.baton.runtime.internal.journal.Durability.isMark(e.data())).as("a query journals nothing (record at %d)", e.position()).isTrue();
                }
            }

            Map<String, Object> inst = Served.body(s.get("/modules/Account/1"));
            assertThat(inst).containsEntry("name", "Account[1]").containsKey("mailbox");
            assertThat(Served.<Object>cast(inst.get("state"))).containsEntry("$balance", 70);
            assertThat(Served.body(s.get("/modules/Account"))).containsEntry("total", 2);
            assertThat(Served.body(s.get("/modules")).get("modules").toString()).contains("Withdraw").contains("execute").contains("return");
            assertProblem(s.get("/modules/Account/9"), 404, "no-such-instance", "9");
        }
    }

    /**
     * {@code GET /asks}: each settled Ask, oldest first and paged — where it is, who asked, its input,
     * every attempt with why it was rejected, and the value taken (here the otherwise, since a check
     * rejects every answer); bad paging parameters answer 400.
     */
    @Test
    void theDecisionsAreListedWithTheirAttemptsAndTheValueTaken() throws Exception {
        Path program = dir.resolve("oracle.baton");
        java.nio.file.Files.writeString(program, """
                AI Oracle [instructions: "Pick a number."]

                Workflow Decide(n: Int) {
                    Ask Oracle { n: n } expect { pick: Int [1..100] }
                        check small: answer.pick > 1000
                        [retries: 1]
                        otherwise { pick: 7 } -> d
                    return d.pick + n
                }
                """);
        try (Served s = new Served(program, dir.resolve("d"), null)) {
            for (int n = 1; n <= 3; n++) {
                assertThat(s.postJson("/workflows/Decide", "{\"id\": \"d" + n + "\", \"args\": {\"n\": " + n + "}}").statusCode()).isEqualTo(201);
                assertThat(Served.body(s.get("/workflows/d" + n + "/result?wait=30s"))).containsEntry("result", 7 + n);
            }
            Map<String, Object> all = Served.body(s.get("/asks"));
            assertThat(all).containsEntry("count", 3).doesNotContainKey("next_after");
            List<?> asks = (List<?>) all.get("asks");
            assertThat(asks).hasSize(3);
            Map<String, Object> first = Served.cast(asks.get(0));
            assertThat((String) first.get("at")).endsWith("oracle.baton:4:5");
            assertThat(first).containsEntry("n", 1).containsEntry("ai", "Oracle").containsEntry("by", "workflow d1").containsEntry("input", Map.of("n", 1)).containsEntry("fallback", true)
                    .containsEntry("taken", Map.of("pick", 7));
            List<?> tries = (List<?>) first.get("tries");
            // the offline policy's answer is rejected (its shape, or the check): both attempts, each with why
            assertThat(tries).hasSize(2).allSatisfy(t -> assertThat((List<?>) Served.cast(t).get("rejected")).isNotEmpty());
            Map<String, Object> page = Served.body(s.get("/asks?after=1&limit=1"));
            assertThat((List<?>) page.get("asks")).singleElement().satisfies(a -> assertThat(Served.cast(a)).containsEntry("n", 2)
                    .containsEntry("by", "workflow d2"));
            assertThat(page).containsEntry("next_after", 2).containsEntry("count", 3);
            assertThat((List<?>) Served.body(s.get("/asks?after=3")).get("asks")).isEmpty();
            assertProblem(s.get("/asks?limit=lots"), 400, "invalid-request", "limit");
            assertProblem(s.get("/asks?after=-2"), 400, "invalid-request", "after");
        }
    }

    @Test
    void workflowsStartOnceByIdAreDescribedAwaitedCancelledAndListed() throws Exception {
        try (Served s = new Served(BANK, dir, null)) {
            s.postJson("/events/Bank.Deposit", "{\"account\": 0, \"amount\": 50}");
            String start = "{\"id\": \"t1\", \"args\": {\"from\": 0, \"to\": 1, \"amount\": 20}}";
            HttpResponse<String> first = s.postJson("/workflows/Transfer", start);
            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(Served.body(first)).containsEntry("id", "t1").containsEntry("created", true);
            HttpResponse<String> again = s.postJson("/workflows/Transfer", start);
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(Served.body(again)).containsEntry("created", false);
            Map<String, Object> result = Served.body(s.get("/workflows/t1/result?wait=30s"));
            assertThat(result).containsEntry("status", "COMPLETED").containsEntry("result", 30);
            assertThat(globals(s)).containsEntry("deposited", 70);

            HttpResponse<String> hold = s.postJson("/workflows/Hold", "{\"args\": {\"minutes\": 5}}");
            String id = (String) Served.body(hold).get("id");
            assertThat(id).startsWith("Hold-");
            Map<String, Object> running = Served.body(s.get("/workflows/" + id));
            assertThat(running).containsEntry("workflow", "Hold").containsKey("waiting_at").containsEntry("locks_held", List.of());
            assertThat((String) running.get("waiting_at")).contains("bank.baton:40");
            // every wait of the run, in one listing: the Hold workflow sleeps at its Sleep
            List<?> waits = (List<?>) Served.body(s.get("/waits")).get("waits");
            assertThat(waits).anySatisfy(w -> {
                Map<String, Object> wait = Served.cast(w);
                assertThat(wait).containsEntry("waiter", "workflow " + id).containsEntry("kind", "timer");
                assertThat((String) wait.get("position")).contains("bank.baton:40:");
            });
            Map<String, Object> notYet = Served.body(s.get("/workflows/" + id + "/result?wait=200ms"));
            assertThat(notYet.get("status")).isIn("STARTED", "RUNNING", "SLEEPING");
            assertThat(s.post("/workflows/" + id + "/cancel", null, "").statusCode()).isEqualTo(202);
            assertThat(Served.body(s.get("/workflows/" + id + "/result?wait=30s"))).containsEntry("status", "CANCELLED");

            Map<String, Object> cancelled = Served.body(s.get("/workflows?status=cancelled"));
            assertThat(cancelled).containsEntry("total", 1);
            Map<String, Object> page = Served.body(s.get("/workflows?limit=1"));
            assertThat((List<?>) page.get("workflows")).hasSize(1);
            assertThat(page).containsEntry("total", 2).containsEntry("next_cursor", "1");
            assertThat(Served.body(s.get("/workflows?type=Transfer")).get("workflows").toString()).contains("t1");

            assertProblem(s.postJson("/workflows/Transfer", "{\"args\": {\"from\": 5, \"amount\": 0}}"), 400, "invalid-request", "Transfer");
            assertThat(pointers(Served.body(s.postJson("/workflows/Transfer", "{\"args\": {\"from\": 5, \"amount\": 0}, \"x\": 1}"))))
                    .containsExactlyInAnyOrder("/args/from", "/args/to", "/args/amount", "/x");
            assertProblem(s.postJson("/workflows/Transfr", "{}"), 404, "no-such-workflow-type", "did you mean 'Transfer'");
            assertProblem(s.get("/workflows/nope"), 404, "no-such-workflow", "nope");
            assertProblem(s.post("/workflows/nope/cancel", null, ""), 404, "not-found", "nope");
            assertProblem(s.get("/workflows?status=lost"), 400, "invalid-request", "status");
            assertProblem(s.get("/workflows/t1/result?wait=forever"), 400, "invalid-request", "duration");
        }
    }

    @Test
    void aTokenGuardsEveryChangeComparedWhole() throws Exception {
        try (Served s = new Served(BANK, dir, "s3cret")) {
            String dep = "{\"account\": 0, \"amount\": 1}";
            HttpResponse<String> none = s.postJson("/events/Bank.Deposit", dep);
            assertProblem(none, 401, "unauthorized", "Bearer");
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"baton\"");
            assertProblem(s.postJson("/events/Bank.Deposit", dep, "Authorization", "Bearer s3cre"), 401, "unauthorized", "not this service's");
            assertProblem(s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 1}", "Authorization", "Bearer wrong"), 401, "unauthorized", "");
            assertProblem(s.postJson("/workflows/Hold", "{}"), 401, "unauthorized", "");
            assertThat(s.postJson("/events/Bank.Deposit", dep, "Authorization", "Bearer s3cret").statusCode()).isEqualTo(202);
            assertThat(s.postJson("/events/Bank.Deposit", dep, "Cookie", "baton_token=s3cret").statusCode()).isEqualTo(202);
            // reads need none
            assertThat(s.get("/state").statusCode()).isEqualTo(200);
            assertThat(s.get("/modules/Account/0/Balance").statusCode()).isEqualTo(200);
            assertThat(globals(s)).containsEntry("deposits", 2);
        }
    }

    @Test
    void anIdempotencyKeyReplaysConflictsAndSurvivesARestart() throws Exception {
        String dep = "{\"account\": 0, \"amount\": 9}";
        try (Served s = new Served(BANK, dir, null)) {
            HttpResponse<String> first = s.postJson("/events/Bank.Deposit", dep, "Idempotency-Key", "\"dep-1\"");
            HttpResponse<String> repeat = s.postJson("/events/Bank.Deposit", dep, "Idempotency-Key", "dep-1");
            assertThat(repeat.statusCode()).isEqualTo(202);
            assertThat(repeat.body()).isEqualTo(first.body());
            assertThat(repeat.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertProblem(s.postJson("/events/Bank.Deposit", "{\"account\": 0, \"amount\": 8}", "Idempotency-Key", "dep-1"), 422,
                    "idempotency-key-reused", "different request");
            assertProblem(s.postJson("/events/Bank.Deposit", dep, "Idempotency-Key", ""), 400, "invalid-request", "Idempotency-Key");

            HttpResponse<String> w = s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 4}", "Idempotency-Key", "w-1");
            assertThat(Served.body(w)).containsEntry("value", 5);
            HttpResponse<String> failed = s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 400}", "Idempotency-Key", "w-2");
            assertThat(failed.statusCode()).isEqualTo(422);
            assertThat(s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 4}", "Idempotency-Key", "w-1").body()).isEqualTo(w.body());
            assertThat(s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 400}", "Idempotency-Key", "w-2").body()).isEqualTo(failed.body());

            // a repeat while the first is in flight is a conflict
            s.service.hold(true);
            CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.postJson("/events/Bank.Deposit", "{\"account\": 1, \"amount\": 3}", "Idempotency-Key", "dep-2");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            while (!s.service.inFlight("dep-2")) Thread.onSpinWait();
            HttpResponse<String> conflict = s.postJson("/events/Bank.Deposit", "{\"account\": 1, \"amount\": 3}", "Idempotency-Key", "dep-2");
            assertProblem(conflict, 409, "request-in-progress", "dep-2");
            s.service.hold(false);
            assertThat(inFlight.get().statusCode()).isEqualTo(202);
            assertThat(globals(s)).containsEntry("deposits", 2).containsEntry("deposited", 12);
        }
        // after a restart (the keys' answers are in the snapshot or rebuilt by the replay) the same answers come back, nothing applied twice
        try (Served s = new Served(BANK, dir, null)) {
            HttpResponse<String> again = s.postJson("/events/Bank.Deposit", dep, "Idempotency-Key", "dep-1");
            assertThat(again.statusCode()).isEqualTo(202);
            assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(Served.body(again)).containsEntry("seqs", List.of(1));
            assertThat(Served.body(s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 4}", "Idempotency-Key", "w-1"))).containsEntry("value", 5);
            assertThat(s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 400}", "Idempotency-Key", "w-2").statusCode()).isEqualTo(422);
            assertProblem(s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 3}", "Idempotency-Key", "w-1"), 422, "idempotency-key-reused", "");
            assertThat(globals(s)).containsEntry("deposits", 2).containsEntry("deposited", 12);
            assertThat(Served.body(s.get("/modules/Account/0/Balance"))).containsEntry("value", 5);
        }
    }

    @Test
    void metricsAreInTheExpositionFormatWithBoundedLabels() throws Exception {
        try (Served s = new Served(BANK, dir, null)) {
            s.postJson("/events/Bank.Deposit", "{\"account\": 0, \"amount\": 5}");
            s.postJson("/modules/Account/0/Withdraw", "{\"amount\": 1}");
            s.postJson("/modules/Account/1/Withdraw", "{\"amount\": 1}");
            HttpResponse<String> m = s.get("/metrics");
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            String text = m.body();
            assertThat(text).contains("# TYPE baton_events_in_total counter").contains("baton_events_in_total{event=\"Bank.Deposit\"} 1.0")
                    .contains("baton_commands_total{endpoint=\"Account.Withdraw\"} 2.0")
                    .contains("# TYPE baton_journal_sync_duration_seconds histogram")
                    .contains("baton_handler_duration_seconds_bucket{kind=\"event\"")
                    .contains("baton_http_requests_total{method=\"POST\",route=\"/events/{event}\",status=\"202\"} 1.0")
                    .contains("baton_http_request_duration_seconds_bucket{method=\"POST\",route=\"/modules/{module}/{key}/{endpoint}\"")
                    .contains("baton_workflows_started_total").contains("baton_sagas_compensated_total");
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || line.isBlank()) continue;
                assertThat(line).startsWith("baton_").doesNotContain("Account[");
            }
        }
    }

    static Map<String, Object> globals(Served s) throws Exception {
        return Served.cast(Served.body(s.get("/state")).get("globals"));
    }

    static List<String> pointers(Map<String, Object> problem) {
        return ((List<?>) problem.get("errors")).stream().map(e -> (String) ((Map<?, ?>) e).get("pointer")).toList();
    }

    static void assertProblem(HttpResponse<String> r, int status, String type, String detailPart) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        Map<String, Object> p = Served.body(r);
        assertThat(p).containsEntry("status", status).containsEntry("type", Problems.TYPE_BASE + type).containsKeys("title", "detail");
        assertThat((String) p.get("detail")).contains(detailPart);
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
