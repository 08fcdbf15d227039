package dev.baton.ai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.internal.journal.AnswerLog;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static dev.baton.ai.FakeModel.content;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAI-compatible provider through the engine, against a local server speaking the
 * protocol: what is sent, what is accepted, what is rejected and why, retries, budgets, and
 * that a replay of a run never asks the model again.
 */
class OpenAiProviderTest {
    private final FakeModel model;
    private final List<Duration> waits = new CopyOnWriteArrayList<>();

    OpenAiProviderTest() throws IOException {
        model = new FakeModel();
    }

    @AfterEach
    void stop() {
        model.close();
    }

    private String program(String options, int retries, int starts) {
        StringBuilder s = new StringBuilder();
        for (int i = 1; i <= starts; i++) s.append("            Start Decide { n: ").append(i).append(" } [id: \"d").append(i).append("\"]\n");
        return """
                AI Oracle [provider: "openai", endpoint: "%s", model: "test-model", instructions: "Pick the boss's HP."%s]
                $taken = []
                Workflow Decide(n: Int) {
                    Ask Oracle { n: n } expect { hp: Int [1..1000], pattern: "slam" | "sweep" }
                        check sane: answer.hp < 900
                        [retries: %d]
                        otherwise { hp: 50, pattern: "slam" } -> d
                    $taken = append($taken, d.hp)
                }
                Module Go {
                    $t = 0
                    Tick [1ms] {
                        $t += 1
                        if $t == 1 {
                %s        }
                    }
                }
                """.formatted(model.endpoint(), options, retries, s);
    }

    private static Plan plan(String source) {
        CheckResult checked = Baton.check("oracle.baton", source);
        assertThat(checked.diagnostics()).filteredOn(d -> d.isError()).isEmpty();
        try {
            return Compiler.compile(checked);
        } catch (Compiler.PlanException e) {
            throw new AssertionError(e.getMessage());
        }
    }

    private OpenAiProvider provider() {
        return new OpenAiProvider(HttpClient.newHttpClient(), waits::add, name -> name.equals("ORACLE_KEY") ? "sk-test" : null);
    }

    private RunReport run(String source, Path dataDir) throws IOException {
        EngineOptions o = EngineOptions.defaults().withDuration(Duration.ofMillis(50))
                .withDecisions(new Providers(Map.of(), provider()));
        if (dataDir != null) o = o.withDataDir(dataDir);
        return new EmbeddedEngine(plan(source), o).run();
    }

    private static List<AnswerLog.Attempt> attempts(Path dataDir) throws IOException {
        try (AnswerLog log = AnswerLog.open(dataDir.resolve("answers.log"), new dev.baton.runtime.PolicyProvider())) {
            return log.attempts();
        }
    }

    @Test
    void aValidAnswerIsTakenAndTheRequestCarriesTheShapeAsAStrictSchema(@TempDir Path dir) throws IOException {
        model.then(content("{\"hp\": 420, \"pattern\": \"sweep\"}"));
        RunReport r = run(program(", key_env: \"ORACLE_KEY\", max_tokens: 200", 2, 1), dir);
        assertThat(r.globals().get("taken")).isEqualTo(List.of(420L));
        assertThat(model.requests).hasSize(1);
        JsonNode req = model.requests.get(0);
        assertThat(req.path("model").asText()).isEqualTo("test-model");
        assertThat(req.path("max_tokens").asInt()).isEqualTo(200);
        JsonNode format = req.path("response_format");
        assertThat(format.path("type").asText()).isEqualTo("json_schema");
        assertThat(format.path("json_schema").path("strict").asBoolean()).isTrue();
        assertThat(format.path("json_schema").path("name").asText()).isEqualTo("Oracle");
        JsonNode schema = format.path("json_schema").path("schema");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.path("required").toString()).isEqualTo("[\"hp\",\"pattern\"]");
        assertThat(schema.path("properties").path("hp").toString()).isEqualTo("{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}");
        assertThat(schema.path("properties").path("pattern").path("enum").toString()).isEqualTo("[\"slam\",\"sweep\"]");
        String system = req.path("messages").path(0).path("content").asText();
        assertThat(system).startsWith("Pick the boss's HP.").contains("\"minimum\":1").contains("checks: sane");
        assertThat(req.path("messages").path(1).path("content").asText()).isEqualTo("{\"n\":1}");
        assertThat(attempts(dir)).singleElement().satisfies(a -> {
            assertThat(a.answer()).isEqualTo(Map.of("hp", 420L, "pattern", "sweep"));
            assertThat(a.tokens()).isEqualTo(50);
        });
    }

    @Test
    void aRefusalATruncatedAnswerAndInvalidJsonAreRejectedEachWithItsReasonThenOtherwise(@TempDir Path dir) throws IOException {
        model.then(FakeModel.refusal("I can't help with that."), FakeModel.truncated("{\"hp\": 4"), content("HP is 400!"));
        RunReport r = run(program("", 2, 1), dir);
        assertThat(r.globals().get("taken")).isEqualTo(List.of(50L));
        assertThat(attempts(dir)).extracting(AnswerLog.Attempt::noAnswer).containsExactly(
                "refused: I can't help with that.", "cut off at max_tokens (finish_reason: length)",
                "the answer is not JSON: invalid JSON: Unrecognized token 'HP': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at column 3");
        // the second and third prompts carry why the one before was rejected
        assertThat(model.requests.get(1).path("messages").path(2).path("content").asText())
                .isEqualTo("Your previous answer was rejected: no answer: refused: I can't help with that.. Answer again, correcting this.");
        assertThat(model.requests.get(2).path("messages").path(2).path("content").asText()).contains("cut off at max_tokens");
    }

    @Test
    void schemaValidLookingNonsenseIsCaughtLocally(@TempDir Path dir) throws IOException {
        // HP -1 (below the schema's minimum: a provider's promise is not trusted), 1e18, then one that fails the check
        model.then(content("{\"hp\": -1, \"pattern\": \"slam\"}"), content("{\"hp\": 1e18, \"pattern\": \"slam\"}"),
                content("{\"hp\": 950, \"pattern\": \"slam\"}"), content("{\"hp\": 12, \"pattern\": \"chaos\"}"));
        RunReport r = run(program("", 3, 1), dir);
        assertThat(r.globals().get("taken")).isEqualTo(List.of(50L));
        List<AnswerLog.Attempt> a = attempts(dir);
        assertThat(a).hasSize(4);
        assertThat(a.get(1).rejected()).singleElement().asString().startsWith("shape: ").contains("hp");
        assertThat(a.get(3).rejected()).containsExactly("sane");
        assertThat(r.counters().get("decisions_rejected")).isEqualTo(4L);
        assertThat(model.requests.get(3).path("messages").path(2).path("content").asText()).contains("rejected: sane");
        // the report lists the Ask: where, who asked, its input, every attempt with why it was rejected, and the fallback taken
        assertThat(r.askCount()).isEqualTo(1);
        Map<String, Object> ask = r.asks().get(0);
        assertThat(ask).containsEntry("ai", "Oracle").containsEntry("at", "oracle.baton:4:5").containsEntry("by", "workflow d1")
                .containsEntry("input", Map.of("n", 1L)).containsEntry("fallback", true)
                .containsEntry("taken", Map.of("hp", 50L, "pattern", "slam"));
        List<?> tries = (List<?>) ask.get("tries");
        assertThat(tries).hasSize(4);
        assertThat(((Map<?, ?>) tries.get(0)).get("answer")).isEqualTo(Map.of("hp", -1L, "pattern", "slam"));
        assertThat(((Map<?, ?>) tries.get(2)).get("rejected")).isEqualTo(List.of("sane"));
        assertThat((List<?>) ((Map<?, ?>) tries.get(3)).get("rejected")).singleElement().asString().startsWith("shape: ").contains("pattern");
    }

    @Test
    void rateLimitsAndServerErrorsAreRetriedHonouringRetryAfter(@TempDir Path dir) throws IOException {
        model.then(FakeModel.status(429, "7"), FakeModel.status(500, null), content("{\"hp\": 77, \"pattern\": \"slam\"}"));
        RunReport r = run(program("", 0, 1), dir);
        assertThat(r.globals().get("taken")).isEqualTo(List.of(77L));
        assertThat(model.requests).hasSize(3);
        assertThat(waits.get(0)).isEqualTo(Duration.ofMillis(7));
        assertThat(waits.get(1)).isBetween(Duration.ofMillis(1000), Duration.ofMillis(1250)); // backoff with jitter, no header
        assertThat(attempts(dir)).hasSize(1);
    }

    @Test
    void aBadRequestIsNotRetriedAndPersistentErrorsEndInTheFallback(@TempDir Path dir) throws IOException {
        model.then(FakeModel.status(400, null), FakeModel.status(503, null));
        RunReport r = run(program(", http_retries: 1", 1, 1), dir);
        assertThat(r.globals().get("taken")).isEqualTo(List.of(50L));
        assertThat(attempts(dir)).extracting(AnswerLog.Attempt::noAnswer)
                .containsExactly("HTTP 400: status 400", "HTTP 503: status 503 (after 2 requests)");
        assertThat(model.requests).hasSize(3);
    }

    @Test
    void anAnswerSlowerThanTheTimeoutIsNoAnswer(@TempDir Path dir) throws IOException {
        model.then(FakeModel.hang());
        RunReport r = run(program(", timeout: 200ms, http_retries: 0", 0, 1), dir);
        assertThat(r.globals().get("taken")).isEqualTo(List.of(50L));
        assertThat(attempts(dir)).extracting(AnswerLog.Attempt::noAnswer).containsExactly("no answer within 200ms");
    }

    @Test
    void aSpentBudgetStopsAskingAndSaysSo(@TempDir Path dir) throws IOException {
        model.then(content("{\"hp\": 5, \"pattern\": \"slam\"}"));
        RunReport r = run(program(", max_calls: 2", 0, 3), dir);
        assertThat(r.globals().get("taken")).isEqualTo(List.of(5L, 5L, 50L));
        assertThat(model.requests).hasSize(2);
        assertThat(attempts(dir).get(2).noAnswer()).isEqualTo("budget spent: AI Oracle has made 2 of its max_calls 2");

        Path tokens = dir.resolve("tokens");
        model.requests.clear();
        RunReport t = run(program(", token_budget: 100", 0, 3), tokens);
        assertThat(t.globals().get("taken")).isEqualTo(List.of(5L, 5L, 50L));
        assertThat(model.requests).hasSize(2);
        assertThat(attempts(tokens).get(2).noAnswer()).isEqualTo("budget spent: AI Oracle has used 100 of its token_budget 100");
    }

    @Test
    void aReplayOfTheRunTakesTheJournaledAnswersAndNeverAsksAgain(@TempDir Path dir) throws IOException {
        model.then(content("{\"hp\": 950, \"pattern\": \"slam\"}"), content("{\"hp\": 300, \"pattern\": \"sweep\"}"),
                content("{\"hp\": 301, \"pattern\": \"sweep\"}"), content("{\"hp\": 302, \"pattern\": \"sweep\"}"));
        String src = program("", 2, 3);
        RunReport first = run(src, dir);
        int asked = model.requests.size();
        assertThat(asked).isEqualTo(4);
        // forget everything but the journals: the run is replayed from its start
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("snapshot-") || n.equals("report.json")) Files.delete(p);
            }
        }
        model.then(content("{\"hp\": 999, \"pattern\": \"slam\"}"));
        RunReport again = run(src, dir);
        assertThat(model.requests).as("no accepted answer is requested again").hasSize(asked);
        assertThat(again.globals().get("taken")).isEqualTo(first.globals().get("taken"));
        assertThat(again.traceHash()).isEqualTo(first.traceHash());
        assertThat(again.resumed()).isTrue();
        // each Ask is listed once, as the first run settled it, though the replay settled them all again
        assertThat(first.askCount()).isEqualTo(3);
        assertThat(((List<?>) first.asks().get(0).get("tries"))).hasSize(2);
        assertThat(first.asks().get(0).get("taken")).isEqualTo(Map.of("hp", 300L, "pattern", "sweep"));
        assertThat(again.askCount()).isEqualTo(3);
        assertThat(again.asks()).isEqualTo(first.asks());
        try (AnswerLog log = AnswerLog.open(dir.resolve("answers.log"), new dev.baton.runtime.PolicyProvider())) {
            assertThat(log.asked()).hasSize(3);
            assertThat(log.askedCount()).isEqualTo(3);
        }
        assertThat(Files.readString(dir.resolve("answers.log"), java.nio.charset.StandardCharsets.ISO_8859_1).split("\"ask\":", -1))
                .as("three Ask records in the file").hasSize(4);
    }
}
