package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenarios whose planner is a model (a local server speaking the OpenAI protocol, started by
 * the test): the faction scenario end to end with {@code --ai Strategist=openai:…}, and a run
 * killed with SIGKILL while a request is out, then resumed — no answer it had accepted is
 * requested again (the server sees exactly one request more than an uninterrupted run: the one
 * the kill cut off) and the run ends exactly like the uninterrupted one.
 */
class ModelProviderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Answers from the request alone (goal, depth, whether it is a retry), so the same request gets the same answer. */
    static final class Planner implements AutoCloseable {
        final HttpServer server;
        final List<String> asked = new CopyOnWriteArrayList<>();
        final AtomicInteger hangAt = new AtomicInteger(-1);
        final CountDownLatch hanging = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        Planner() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/v1/chat/completions", this::handle);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.start();
        }

        String endpoint() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        }

        private void handle(HttpExchange ex) throws IOException {
            JsonNode req = JSON.readTree(ex.getRequestBody().readAllBytes());
            JsonNode messages = req.path("messages");
            JsonNode in = JSON.readTree(messages.path(1).path("content").asText());
            boolean retry = messages.size() > 2;
            asked.add(in.toString() + (retry ? " (retry)" : ""));
            if (asked.size() == hangAt.get()) {
                hanging.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String goal = in.path("goal").asText();
            int depth = in.path("depth").asInt();
            ObjectNode plan = JSON.createObjectNode();
            var subs = plan.putArray("subgoals");
            if (in.has("faction")) {
                // the faction scenario: two sub-goals down to depth 4; a hallucination now and then (HP-style nonsense)
                if (goal.endsWith("/2/2") && !retry) {
                    plan.put("primitive", true).put("effort", -1);
                } else if (depth >= 4) {
                    plan.put("primitive", true).put("effort", 1 + Math.abs(goal.hashCode()) % 4);
                } else {
                    subs.add(goal + "/1");
                    subs.add(goal + "/2");
                    plan.put("primitive", false).put("effort", 1);
                }
            } else if (depth >= 2) {
                plan.put("primitive", true).put("effort", 1 + Math.abs(goal.hashCode()) % 5);
            } else {
                int n = goal.endsWith(".b") && !retry ? 6 : 2; // six sub-goals break the program's check; the retry is told so
                for (int i = 0; i < n; i++) subs.add(goal + "." + (char) ('a' + i));
                plan.put("primitive", false).put("effort", 1);
            }
            ObjectNode body = JSON.createObjectNode();
            ObjectNode choice = body.putArray("choices").addObject();
            choice.putObject("message").put("role", "assistant").put("content", plan.toString()).putNull("refusal");
            choice.put("finish_reason", "stop");
            body.putObject("usage").put("total_tokens", 25);
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            try {
                ex.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            } catch (IOException clientGone) {
                // killed
            }
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
        }
    }

    private static JsonNode report(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return JSON.readTree(out.substring(out.indexOf('{')));
    }

    @Test
    void theFactionScenarioRunsWithItsStrategistOnAModel(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/faction.baton"), dir.resolve("faction.baton"));
        try (Planner model = new Planner()) {
            JsonNode r = report(ChildProcess.start(dir, "run", "faction.baton", "--ai", "Strategist=openai:" + model.endpoint(), "--report", "json",
                    "--data-dir", "d"));
            JsonNode inv = r.get("report").get("invariants");
            inv.fields().forEachRemaining(e -> assertThat(e.getValue().asBoolean()).as(e.getKey()).isTrue());
            assertThat(r.get("report").get("depth").asInt()).isGreaterThanOrEqualTo(4);
            assertThat(r.get("report").get("allied").toString()).isEqualTo("[true,true]");
            // every goal asked once, and the nonsense answers (effort -1) once more each, told why
            long asks = r.get("report").get("asks").asLong();
            assertThat(model.asked).hasSizeGreaterThan((int) asks);
            assertThat(model.asked.stream().filter(a -> a.endsWith("(retry)")).count()).isEqualTo(model.asked.size() - asks);
            assertThat(r.get("counters").get("decisions_rejected").asLong()).isEqualTo(model.asked.size() - asks);
            Process history = ChildProcess.start(dir, "history", "faction.baton", "--data-dir", "d", "--answers", "--limit", "1000");
            String h = new String(history.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(history.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(h).contains("answers: " + model.asked.size() + " attempt(s) answered by models (Strategist: " + model.asked.size() + " asked")
                    .contains("(after: shape: ");

            // the same run simulated from its recorded answers: the model is not asked once, the trace is the run's
            int askedByTheRun = model.asked.size();
            Process sim = ChildProcess.startWithErr(dir, "sim", "faction.baton", "--ai", "Strategist=openai:" + model.endpoint(), "--answers", "d",
                    "--report", "json");
            String simOut = new String(sim.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String simErr = new String(sim.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(sim.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.exitValue()).as(simErr).isZero();
            assertThat(JSON.readTree(simOut).get("traceHash").asText()).isEqualTo(r.get("traceHash").asText());
            assertThat(model.asked).as("no request: every answer came from the run's answers.log").hasSize(askedByTheRun);
            assertThat(simErr).contains("baton sim: " + askedByTheRun + " answers replayed from d, 0 attempts not recorded there");
        }
    }

    @Test
    void aRunKilledWhileAModelIsAskedNeverAsksForAnAcceptedAnswerAgain(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/planner.baton"), dir.resolve("planner.baton"));
        try (Planner model = new Planner()) {
            String ai = "Planner=openai:" + model.endpoint() + "#planner-model";
            JsonNode reference = report(ChildProcess.start(dir, "run", "planner.baton", "--ai", ai, "--report", "json", "--data-dir", "ref"));
            int uninterrupted = model.asked.size();
            assertThat(uninterrupted).isGreaterThan(10);
            assertThat(model.asked).anyMatch(a -> a.endsWith("(retry)"));

            model.asked.clear();
            model.hangAt.set(uninterrupted / 2);
            Process victim = ChildProcess.start(dir, "run", "planner.baton", "--ai", ai, "--report", "json", "--data-dir", "d");
            assertThat(model.hanging.await(120, TimeUnit.SECONDS)).as("the run reached its request " + (uninterrupted / 2)).isTrue();
            ChildProcess.kill9(victim);
            List<String> beforeKill = List.copyOf(model.asked);
            model.release.countDown();

            JsonNode resumed = report(ChildProcess.start(dir, "run", "planner.baton", "--ai", ai, "--report", "json", "--data-dir", "d"));
            List<String> afterKill = model.asked.subList(beforeKill.size(), model.asked.size());
            assertThat(afterKill.get(0)).as("the request the kill cut off is asked again").isEqualTo(beforeKill.get(beforeKill.size() - 1));
            assertThat(model.asked).as("one request more than the uninterrupted run, no accepted answer asked again").hasSize(uninterrupted + 1);
            assertThat(resumed.get("traceHash").asText()).isEqualTo(reference.get("traceHash").asText());
            assertThat(resumed.get("report")).isEqualTo(reference.get("report"));
            assertThat(resumed.get("resumed").asBoolean()).isTrue();
        }
    }

    /**
     * The planner with its AI on a model, on Temporal: each attempt is a local activity whose result
     * the workflow's history records, so the run — its continue-as-new generations and the child
     * workflows its self-contained Pursues run as — asks the model exactly the attempts the embedded
     * engine asks, never one twice, and ends with the same trace.
     */
    @Test
    void onTemporalTheModelIsAskedEachAttemptOnceAndTheRunEndsAsEmbedded(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/planner.baton"), dir.resolve("planner.baton"));
        try (Planner model = new Planner();
             dev.baton.stack.LocalTemporal temporal = dev.baton.stack.LocalTemporal.start(dev.baton.stack.LocalKafka.freePort(), dir.resolve("temporal"))) {
            String ai = "Planner=openai:" + model.endpoint() + "#planner-model";
            JsonNode embedded = report(ChildProcess.start(dir, "run", "planner.baton", "--campaigns", "30", "--ai", ai, "--report", "json",
                    "--data-dir", "embedded"));
            List<String> askedEmbedded = List.copyOf(model.asked);
            assertThat(askedEmbedded).hasSizeGreaterThan(30);
            model.asked.clear();
            JsonNode onTemporal = report(ChildProcess.start(dir, "run", "planner.baton", "--campaigns", "30", "--ai", ai, "--report", "json",
                    "--engine", "temporal", "--temporal", temporal.target()));
            assertThat(onTemporal.get("engine").asText()).isEqualTo("temporal");
            assertThat(onTemporal.get("traceHash").asText()).isEqualTo(embedded.get("traceHash").asText());
            assertThat(onTemporal.get("report")).isEqualTo(embedded.get("report"));
            assertThat(model.asked).as("every attempt asked once, as on the embedded engine (children run in parallel: any order)")
                    .containsExactlyInAnyOrderElementsOf(askedEmbedded);
        }
    }

    /** {@code baton serve --ai}: the live service's AI on a model, its answers journaled in the service's data directory. */
    @Test
    void aServedProgramAsksItsModelAndJournalsTheAnswers(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/planner.baton"), dir.resolve("planner.baton"));
        int port = dev.baton.stack.LocalKafka.freePort();
        try (Planner model = new Planner()) {
            Process serve = ChildProcess.start(dir, "serve", "planner.baton", "--campaigns", "5", "--port", String.valueOf(port), "--data-dir", "sv",
                    "--ai", "Planner=openai:" + model.endpoint());
            try {
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                JsonNode report = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a bound for a hang only
                while (System.nanoTime() < deadline) {
                    try {
                        var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/report")).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString());
                        report = JSON.readTree(resp.body()).get("report");
                        if (report != null && report.get("done").asLong() == 5) break;
                    } catch (java.io.IOException notYet) {
                        // not listening yet
                    }
                    Thread.sleep(100);
                }
                assertThat(report).isNotNull();
                assertThat(report.get("done").asLong()).isEqualTo(5);
                assertThat(model.asked).as("the service's planner is the model").hasSizeGreaterThanOrEqualTo((int) report.get("plans").asLong());
                assertThat(Files.size(dir.resolve("sv/answers.log"))).as("its answers are journaled").isPositive();
            } finally {
                serve.destroy();
                assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
