package dev.baton.cli;

import dev.baton.runtime.EngineOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code baton worker}: serve Baton runs on Temporal until stopped. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Serve Baton runs on Temporal: poll the task queue and execute the runs' workflows until Ctrl-C or SIGTERM",
                "(it then finishes the workflow tasks in hand, up to 30 s, and exits).",
                "Any run scheduled on the queue is served: those started by 'baton run FILE --engine temporal --no-worker',",
                "and those whose 'baton run' process died. Start as many as you like, on as many machines: a run goes on",
                "as long as one of them is up. A worker needs no program: each run carries its own.",
                "Every process of a run needs the same --state (large payloads live there) and the same --temporal-task-queue.",
                "Exit codes: 0 stopped, 2 a bad flag, 3 Temporal, Redis or the event log could not be reached."})
final class WorkerCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    TemporalOptions temporal = new TemporalOptions();

    @Option(names = "--state", paramLabel = "redis://HOST:PORT",
            description = "The Redis the runs keep payloads above 256 KiB in (their snapshots): the --state of the 'baton run' commands.")
    String state;

    @Option(names = "--emit-log", paramLabel = "FILE|kafka://HOST:PORT", description = {
            "Where the events the runs emit go: FILE as JSON lines, or Kafka topics (as 'baton run --emit-log').",
            "Without it they go nowhere, as on the embedded engine without --emit-log: give every worker of a queue one",
            "(the same Kafka; a file each — two processes appending to one file can interleave within a line)."})
    String emitLog;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        dev.baton.temporal.TemporalTls tls;
        dev.baton.redis.RedisSharedState redis;
        try {
            tls = temporal.checked(err, "worker");
            redis = RunCommand.openState(state, err, "worker");
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        try {
            return RunCommand.withEmitLog(emitLog, false, "worker", EngineOptions.defaults(), err, "worker", o -> {
                try (dev.baton.temporal.TemporalEngine.Serving worker = dev.baton.temporal.TemporalEngine.serve(temporal.target, temporal.namespace,
                        tls, temporal.taskQueue, redis == null ? null : RunCommand.blobsIn(redis, state), o.bus(), redis)) {
                    out.println("baton worker: serving Baton runs from task queue " + temporal.taskQueue + " on Temporal at " + temporal.target
                            + " (namespace " + temporal.namespace + "); emitted events " + (emitLog == null ? "go nowhere" : "to " + emitLog)
                            + ". Ctrl-C or SIGTERM stops it.");
                    out.flush();
                    awaitStop(worker, out);
                    return ExitCode.OK;
                } catch (IllegalArgumentException e) {
                    err.println("baton worker: " + e.getMessage());
                    return ExitCode.USAGE;
                } catch (IOException e) {
                    err.println("baton worker: " + e.getMessage());
                    return ExitCode.INPUT;
                }
            });
        } finally {
            if (redis != null) redis.close();
        }
    }

    /** Blocks until the JVM is asked to stop; then stops the worker gracefully before the JVM goes. */
    private void awaitStop(dev.baton.temporal.TemporalEngine.Serving worker, PrintWriter out) {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            worker.close();
            out.println("baton worker: stopped");
            out.flush();
            stopped.countDown();
        }, "baton-worker-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }
}
