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
                    dev.baton.temporal.TemporalEngine.TASK_QUEUE, null, dev.baton.runtime.EventBus.NONE)) {
                assertThat(run.get(90, TimeUnit.SECONDS)).as(err.toString()).isZero();
            }
            assertThat(JSON.readTree(out.toString()).get("engine").asText()).isEqualTo("temporal");
        }
    }

    @Test
    void noWorkerIsForTemporalAndLeavesTheEventLogToTheWorkers() {
        CliTest.Run embedded = CliTest.run("run", "../examples/economy.baton", "--no-worker");
        assertThat(embedded.code()).isEqualTo(ExitCode.USAGE);
        assertThat(embedded.err()).contains("--no-worker is for --engine temporal");
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
