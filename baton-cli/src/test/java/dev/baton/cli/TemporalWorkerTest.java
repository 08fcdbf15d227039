package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.lang.Baton;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import io.temporal.api.enums.v1.EventType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workers apart from the processes that start runs, as Temporal deployments have them: a
 * {@code baton worker} process serves the task queue; {@code baton run --no-worker} starts the
 * run and is killed ({@code kill -9}) once it has; the worker finishes the run on its own, its
 * emitted events all in the worker's event log by the time the run completes; the same command
 * again prints the report, equal to the embedded engine's. SIGTERM stops the worker.
 */
class TemporalWorkerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aWorkerFinishesARunWhoseStarterDied(@TempDir Path dir) throws Exception {
        Path program = Path.of("../examples/economy.baton").toAbsolutePath();
        Plan plan = Compiler.compile(Baton.check("economy.baton", Files.readString(program)), Map.of());
        AtomicLong emitted = new AtomicLong();
        RunReport embedded = new EmbeddedEngine(plan, EngineOptions.defaults().withSeed(1).withBus((t, e, p) -> emitted.incrementAndGet())).run();
        Path events = dir.resolve("events.jsonl");

        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            Process worker = ChildProcess.start(dir, "worker", "--temporal", temporal.target(), "--emit-log", events.toString());
            BufferedReader workerOut = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
            assertThat(workerOut.readLine()).startsWith("baton worker: serving Baton runs from task queue baton");
            try {
                String[] runArgs = {"run", program.toString(), "--engine", "temporal", "--temporal", temporal.target(), "--no-worker", "--report", "json"};
                Process starter = ChildProcess.start(dir, runArgs);
                String id = WorkflowHistory.runId("economy.baton", Files.readString(program), 1, temporal.target());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (history.events(id).isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
                assertThat(history.events(id)).as("the starter started the run").isNotEmpty();
                ChildProcess.kill9(starter);

                // nobody waits for the run now: the worker finishes it
                while (history.count(id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) == 0 && System.nanoTime() < deadline) Thread.sleep(50);
                assertThat(history.count(id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)).as("the worker completed the run").isOne();
                // … and everything it emitted was in the worker's log before the run completed (the worker is still up)
                List<String> lines = Files.readAllLines(events);
                TreeSet<Long> seqs = new TreeSet<>();
                for (String line : lines) seqs.add(JSON.readTree(line).get("seq").asLong());
                assertThat(seqs).as("emission numbers in the worker's log").hasSize((int) emitted.get());
                assertThat(seqs.first()).isEqualTo(1);
                assertThat(seqs.last()).isEqualTo(emitted.get());

                Process again = ChildProcess.start(dir, runArgs);
                String out = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // to its end: the report is long
                assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(again.exitValue()).as(out).isZero();
                JsonNode report = JSON.readTree(out.substring(out.indexOf('{')));
                assertThat(report.get("traceHash").asText()).as("the same run as on the embedded engine").isEqualTo(embedded.traceHash());
                assertThat(report.get("engine").asText()).isEqualTo("temporal");
            } finally {
                // SIGTERM, as a service manager sends it (Process.destroy would close the worker's output before it is read)
                new ProcessBuilder("kill", "-TERM", Long.toString(worker.pid())).start().waitFor();
                assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("the worker stops on SIGTERM").isTrue();
            }
            String rest = workerOut.lines().collect(java.util.stream.Collectors.joining("\n"));
            assertThat(rest).contains("baton worker: stopped");
        }
    }

    /**
     * Two worker processes serve the queue; the one running the run is killed ({@code kill -9})
     * in the middle of a workflow task (the history's last event is that task's start, by that
     * worker's identity). The task times out and the other worker replays the run and finishes
     * it: the report is the embedded engine's, and the two workers' event logs together hold every
     * event of the embedded run — repeats (the dead worker's last batch) identical.
     */
    @Test
    void whenTheWorkerRunningARunIsKilledAnotherFinishesIt(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/economy.baton"), dir.resolve("economy.baton"));
        Process ref = ChildProcess.start(dir, "run", "economy.baton", "--seed", "5", "--report", "json", "--data-dir", "ref", "--emit-log", "ref.jsonl");
        JsonNode reference = JSON.readTree(new String(ref.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertThat(ref.waitFor(120, TimeUnit.SECONDS)).isTrue();
        List<String> expected = Files.readAllLines(dir.resolve("ref.jsonl"));

        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            Map<Long, Process> workers = new java.util.HashMap<>();
            Map<Long, String> logs = new java.util.HashMap<>();
            for (String name : List.of("a.jsonl", "b.jsonl")) {
                Process w = ChildProcess.start(dir, "worker", "--temporal", temporal.target(), "--emit-log", name);
                assertThat(new BufferedReader(new InputStreamReader(w.getInputStream(), StandardCharsets.UTF_8)).readLine()).startsWith("baton worker: serving");
                workers.put(w.pid(), w);
                logs.put(w.pid(), name);
            }
            try {
                Process starter = ChildProcess.start(dir, "run", "economy.baton", "--seed", "5", "--engine", "temporal", "--temporal", temporal.target(),
                        "--no-worker", "--report", "json");
                String id = WorkflowHistory.runId("economy.baton", Files.readString(dir.resolve("economy.baton")), 5, temporal.target());
                // kill the worker that holds the run, in the middle of one of its tasks, once it has moved the run on
                Process victim = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (victim == null && System.nanoTime() < deadline) {
                    List<io.temporal.api.history.v1.HistoryEvent> events = history.events(id);
                    if (!events.isEmpty() && history.count(id, EventType.EVENT_TYPE_TIMER_FIRED) > 0) {
                        var last = events.get(events.size() - 1);
                        if (last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
                            String identity = last.getWorkflowTaskStartedEventAttributes().getIdentity();
                            victim = workers.get(Long.parseLong(identity.substring(0, identity.indexOf('@'))));
                            if (victim != null) ChildProcess.kill9(victim);
                        }
                    }
                    if (victim == null) Thread.sleep(5);
                }
                assertThat(victim).as("a worker was killed in the middle of a task of the run").isNotNull();
                assertThat(history.count(id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)).as("the run is not finished yet").isZero();

                String out = new String(starter.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(starter.waitFor(120, TimeUnit.SECONDS)).isTrue();
                assertThat(starter.exitValue()).as(out).isZero();
                JsonNode onTemporal = JSON.readTree(out.substring(out.indexOf('{')));
                assertThat(onTemporal.get("traceHash").asText()).isEqualTo(reference.get("traceHash").asText());
                assertThat(onTemporal.get("report")).isEqualTo(reference.get("report"));

                // the killed worker comes back (and goes): reopening its log drops a line the kill may have cut
                Process back = ChildProcess.start(dir, "worker", "--temporal", temporal.target(), "--emit-log", logs.get(victim.pid()));
                assertThat(new BufferedReader(new InputStreamReader(back.getInputStream(), StandardCharsets.UTF_8)).readLine()).startsWith("baton worker: serving");
                ChildProcess.kill9(back);

                Map<Long, String> seen = new java.util.TreeMap<>();
                for (String name : logs.values()) {
                    for (String line : Files.readAllLines(dir.resolve(name))) {
                        String before = seen.put(JSON.readTree(line).get("seq").asLong(), line);
                        if (before != null) assertThat(line).as("a repeat is the same event").isEqualTo(before);
                    }
                }
                assertThat(List.copyOf(seen.values())).as("every event of the embedded run, in the two logs").isEqualTo(expected);
            } finally {
                for (Process w : workers.values()) ChildProcess.kill9(w);
            }
        }
    }

    static final String IDLE = """
            Event Ops.Ping { n: Int }
            $pings = 0
            Module Desk {
                Tick [10s] {
                }
                ON (Ops.Ping) {
                    $pings += 1
                }
            }
            """;

    /**
     * A worker stopped with SIGTERM hands the runs it holds to the others: a run waiting for
     * events, held by worker A, gets its next event after A has stopped, and worker B applies it.
     * (Temporal would otherwise send the run's next task to A's own queue, and its test server
     * never moves it from there.)
     */
    @Test
    void aStoppedWorkerHandsItsRunsToAnother(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("idle.baton"), IDLE);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            Process a = ChildProcess.start(dir, "worker", "--temporal", temporal.target());
            BufferedReader aOut = new BufferedReader(new InputStreamReader(a.getInputStream(), StandardCharsets.UTF_8));
            assertThat(aOut.readLine()).startsWith("baton worker: serving");
            Process starter = ChildProcess.start(dir, "run", "idle.baton", "--engine", "temporal", "--temporal", temporal.target(), "--no-worker",
                    "--events", "-", "--report", "json");
            String id = WorkflowHistory.runId("idle.baton", IDLE, 1, temporal.target());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (history.count(id, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) < 2 && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(startedBy(history, id)).as("worker A holds the run").containsOnly(a.pid());

            Process b = startWorkerAndStop(dir, temporal.target(), a, aOut);
            try {

                JsonNode report = pingAndReport(starter);
                assertThat(report.get("globals").get("pings").asLong()).as("the event after A stopped was applied").isEqualTo(1);
                assertThat(startedBy(history, id)).as("B went on with the run").contains(b.pid());
            } finally {
                ChildProcess.kill9(b);
                ChildProcess.kill9(starter);
            }
        }
    }

    /**
     * Child workflows are handed over too: worker A serves a planner run whose self-contained
     * workflows are child workflows (each waiting for its own children); A is stopped with
     * SIGTERM while they are out, and worker B finishes the run and every child — the report is the
     * embedded engine's, to the trace. (A child left on A's sticky queue would never run again on
     * Temporal's test server, and the run would wait forever.)
     */
    @Test
    void aStoppedWorkerHandsItsChildWorkflowsOverToo(@TempDir Path dir) throws Exception {
        Path program = Path.of("../examples/planner.baton").toAbsolutePath();
        Map<String, String> params = Map.of("campaigns", "60");
        Plan plan = Compiler.compile(Baton.check("planner.baton", Files.readString(program)), params);
        RunReport embedded = new EmbeddedEngine(plan, EngineOptions.defaults().withSeed(3)).run();
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            Process a = ChildProcess.start(dir, "worker", "--temporal", temporal.target());
            BufferedReader aOut = new BufferedReader(new InputStreamReader(a.getInputStream(), StandardCharsets.UTF_8));
            assertThat(aOut.readLine()).startsWith("baton worker: serving");
            Process starter = ChildProcess.start(dir, "run", program.toString(), "--campaigns", "60", "--seed", "3", "--engine", "temporal",
                    "--temporal", temporal.target(), "--no-worker", "--report", "json");
            var output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(starter.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String id = WorkflowHistory.runId("planner.baton", Files.readString(program), 3, params, temporal.target());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (history.count(id, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED) < 3 && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(history.count(id, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED)).as("children have run").isGreaterThanOrEqualTo(3);

            Process b = startWorkerAndStop(dir, temporal.target(), a, aOut);
            try {
                assertThat(history.count(id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)).as("the run was not over when A stopped").isZero();

                assertThat(starter.waitFor(120, TimeUnit.SECONDS)).as("the run ends").isTrue();
                String out = output.get(10, TimeUnit.SECONDS);
                assertThat(starter.exitValue()).as(out).isZero();
                JsonNode report = JSON.readTree(out.substring(out.indexOf('{')));
                assertThat(report.get("traceHash").asText()).as("the same run as on the embedded engine").isEqualTo(embedded.traceHash());
                assertThat(report.get("report").get("done").asLong()).isEqualTo(60);
                assertThat(startedBy(history, id)).as("B went on with the run").contains(b.pid());
            } finally {
                ChildProcess.kill9(b);
                ChildProcess.kill9(starter);
            }
        }
    }

    /**
     * Starts worker B (ready once it says it serves), then stops worker A with SIGTERM, as a service
     * manager does, and checks that A stopped and said so; returns B.
     */
    private static Process startWorkerAndStop(Path dir, String target, Process a, BufferedReader aOut) throws Exception {
        Process b = ChildProcess.start(dir, "worker", "--temporal", target);
        try {
            assertThat(new BufferedReader(new InputStreamReader(b.getInputStream(), StandardCharsets.UTF_8)).readLine()).startsWith("baton worker: serving");
            new ProcessBuilder("kill", "-TERM", Long.toString(a.pid())).start().waitFor();
            assertThat(a.waitFor(60, TimeUnit.SECONDS)).as("A stops").isTrue();
            assertThat(aOut.lines().collect(java.util.stream.Collectors.joining("\n"))).contains("baton worker: stopped");
            return b;
        } catch (RuntimeException | Error e) {
            ChildProcess.kill9(b);
            throw e;
        }
    }

    /**
     * The same for the worker of a {@code baton run} process: stopped with SIGTERM while its run
     * waits, it hands the run over, and the same command again takes it up and applies the next event.
     */
    @Test
    void aStoppedRunCommandHandsItsRunOver(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("idle.baton"), IDLE);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
             WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            String[] cmd = {"run", "idle.baton", "--engine", "temporal", "--temporal", temporal.target(), "--events", "-", "--report", "json"};
            Process first = ChildProcess.start(dir, cmd);
            String id = WorkflowHistory.runId("idle.baton", IDLE, 1, temporal.target());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (history.count(id, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) < 2 && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(startedBy(history, id)).containsOnly(first.pid());
            new ProcessBuilder("kill", "-TERM", Long.toString(first.pid())).start().waitFor();
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("the first process stops").isTrue();

            Process again = ChildProcess.start(dir, cmd);
            try {
                JsonNode report = pingAndReport(again);
                assertThat(report.get("globals").get("pings").asLong()).isEqualTo(1);
                assertThat(startedBy(history, id)).contains(again.pid());
            } finally {
                ChildProcess.kill9(again);
            }
        }
    }

    /** Sends one Ops.Ping to a {@code baton run … --events -} process, closes its input, and returns its JSON report once it ends. */
    private static JsonNode pingAndReport(Process run) throws Exception {
        try (var events = run.getOutputStream()) {
            events.write("{\"seq\": 1, \"event\": \"Ops.Ping\", \"payload\": {\"n\": 1}}\n".getBytes(StandardCharsets.UTF_8));
        }
        var output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(run.waitFor(90, TimeUnit.SECONDS)).as("the run ends").isTrue();
        String out = output.get(10, TimeUnit.SECONDS);
        assertThat(run.exitValue()).as(out).isZero();
        return JSON.readTree(out.substring(out.indexOf('{')));
    }

    /** The processes (pids) that started workflow tasks of the run. */
    private static java.util.Set<Long> startedBy(WorkflowHistory history, String id) {
        java.util.Set<Long> pids = new java.util.TreeSet<>();
        for (var e : history.events(id)) {
            if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
                String identity = e.getWorkflowTaskStartedEventAttributes().getIdentity();
                pids.add(Long.parseLong(identity.substring(0, identity.indexOf('@'))));
            }
        }
        return pids;
    }

    /** A run nobody serves does not wait silently: the starter says so after 10 s; a worker that comes then finishes it. */
    @Test
    void aStarterWithoutAWorkerSaysSoAndTheRunEndsOnceOneComes(@TempDir Path dir) throws Exception {
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"))) {
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            java.util.concurrent.CompletableFuture<Integer> run = java.util.concurrent.CompletableFuture.supplyAsync(() -> Main.execute(
                    new String[] {"run", "../examples/economy.baton", "--engine", "temporal", "--temporal", temporal.target(), "--no-worker",
                            "--report", "json"}, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (!err.toString().contains("no worker has taken the run") && !run.isDone() && System.nanoTime() < deadline) Thread.sleep(100);
            assertThat(err.toString()).contains("no worker has taken the run in 10 s: start 'baton worker --temporal " + temporal.target() + "'");
            assertThat(run.isDone()).as("the run waits").isFalse();

            try (var worker = dev.baton.temporal.TemporalEngine.serve(temporal.target(), "default", dev.baton.temporal.TemporalTls.NONE,
                    dev.baton.temporal.TemporalEngine.TASK_QUEUE, null, dev.baton.runtime.EventBus.NONE, null)) {
                assertThat(run.get(90, TimeUnit.SECONDS)).as(err.toString()).isZero();
            }
            assertThat(JSON.readTree(out.toString()).get("engine").asText()).isEqualTo("temporal");
        }
    }

    /** {@code baton run --engine temporal} says which workflows run as child workflows, and under which ids. */
    @Test
    void aRunNamesTheWorkflowsThatRunAsChildWorkflows(@TempDir Path dir) throws Exception {
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"))) {
            CliTest.Run r = CliTest.run("run", "../examples/planner.baton", "--campaigns", "2", "--engine", "temporal", "--temporal", temporal.target());
            assertThat(r.code()).as(r.err()).isZero();
            String id = WorkflowHistory.runId("planner.baton", Files.readString(Path.of("../examples/planner.baton")), 1, Map.of("campaigns", "2"),
                    temporal.target());
            assertThat(r.err()).contains("every module in workflow " + id + ", self-contained Pursue as child workflows " + id + "::…");
            assertThat(r.out()).contains("every_campaign_done");
        }
    }

    @Test
    void noWorkerIsForTemporalAndLeavesTheEventLogToTheWorkers() {
        CliTest.Run embedded = CliTest.run("run", "../examples/economy.baton", "--no-worker");
        assertThat(embedded.code()).isEqualTo(ExitCode.USAGE);
        assertThat(embedded.err()).contains("--no-worker is for --engine temporal");
        CliTest.Run negative = CliTest.run("run", "../examples/planner.baton", "--engine", "temporal", "--temporal-max-children", "-1");
        assertThat(negative.code()).isEqualTo(ExitCode.USAGE);
        assertThat(negative.err()).contains("--temporal-max-children is a count (0 or more), not -1");
        CliTest.Run hotEmbedded = CliTest.run("run", "../examples/shard-sync.baton", "--hot-modules", "GlobalAuthority");
        assertThat(hotEmbedded.code()).isEqualTo(ExitCode.USAGE);
        assertThat(hotEmbedded.err()).contains("--hot-modules is for --engine temporal with --state");
        CliTest.Run notStorable = CliTest.run("run", "../examples/world-boss.baton", "--engine", "temporal", "--state", "redis://127.0.0.1:1",
                "--hot-modules", "GlobalAuthority,Director");
        assertThat(notStorable.code()).isEqualTo(ExitCode.USAGE);
        assertThat(notStorable.err()).contains("--hot-modules: Director cannot live on the state store (see 'baton check --modules");
        CliTest.Run unknown = CliTest.run("run", "../examples/world-boss.baton", "--engine", "temporal", "--state", "redis://127.0.0.1:1",
                "--hot-modules", "Authority");
        assertThat(unknown.code()).isEqualTo(ExitCode.USAGE);
        assertThat(unknown.err()).contains("--hot-modules: there is no module Authority in");
        CliTest.Run spreadWorldBoss = CliTest.run("run", "../examples/world-boss.baton", "--engine", "temporal", "--state", "redis://127.0.0.1:1",
                "--partitions", "2");
        assertThat(spreadWorldBoss.code()).isEqualTo(ExitCode.USAGE);
        assertThat(spreadWorldBoss.err()).contains("--partitions: the run cannot be spread over partitions: ../examples/world-boss.baton:61:1:"
                + " ShardBossController cannot be split: workflow TriggerVictorySequence calls it");
        CliTest.Run spreadEmbedded = CliTest.run("run", "../examples/shard-sync.baton", "--partitions", "2");
        assertThat(spreadEmbedded.code()).isEqualTo(ExitCode.USAGE);
        assertThat(spreadEmbedded.err()).contains("--partitions is for --engine temporal with --state");
        CliTest.Run withLog = CliTest.run("run", "../examples/economy.baton", "--engine", "temporal", "--no-worker", "--emit-log", "x.jsonl");
        assertThat(withLog.code()).isEqualTo(ExitCode.USAGE);
        assertThat(withLog.err()).contains("give --emit-log to 'baton worker'");
        CliTest.Run badQueue = CliTest.run("worker", "--temporal-task-queue", "two words");
        assertThat(badQueue.code()).isEqualTo(ExitCode.USAGE);
        assertThat(badQueue.err()).contains("task queue 'two words'");
        CliTest.Run badAddress = CliTest.run("worker", "--temporal", "nowhere");
        assertThat(badAddress.code()).isEqualTo(ExitCode.USAGE);
        assertThat(badAddress.err()).contains("--temporal 'nowhere' is not HOST:PORT");
    }
}
