package dev.baton.cli;

import dev.baton.runtime.DataDir;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.plan.Plan;
import dev.baton.serve.Backend;
import dev.baton.serve.HttpApi;
import dev.baton.serve.Service;
import dev.baton.serve.StreamLog;
import dev.baton.serve.TemporalBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code baton serve FILE}: the program live, on the embedded engine on real time, with its HTTP API, console and metrics. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a Baton program live — on the embedded engine on real time, durably (default), or as a run on",
                "Temporal (--engine temporal --temporal HOST:PORT: the same routes and answers) — with an HTTP/JSON API generated",
                "from the program's declarations (events, module endpoints, workflows), a web console at /, the OpenAPI",
                "document at /openapi.json, a live stream at /stream (SSE) and Prometheus metrics at /metrics.",
                "Every request that changes the run is journaled and synced before it is answered; run the same command",
                "again after a crash and it resumes. Ctrl-C or SIGTERM stops it gracefully (exit 0).",
                "Load blocks still run (a scenario served live). A new version of the program (with a 'Migration from'",
                "the served one) moves the run: start serve with it, or POST it to /deploy without a stop (on Temporal the",
                "run takes it at its next continue-as-new).",
                "See docs/serve.md for every route.",
                "Any other --NAME VALUE sets the program's 'Param NAME'."})
final class ServeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The .baton program to serve.")
    String file;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "The TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = {"The address to listen on (default: ${DEFAULT-VALUE}, this machine only); 0.0.0.0 for every interface",
                    "(then set --token)."})
    String bind;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the journal, snapshots and stream live (default: .baton/<program name>.serve).")
    Path dataDir;

    @Option(names = "--fresh", description = "Discard what the data directory holds and start over (refused, exit 5, while another process serves it).")
    boolean fresh;

    @Option(names = "--token", paramLabel = "TOKEN", description = {"Require 'Authorization: Bearer TOKEN' (or the cookie baton_token) on every request",
            "that changes the run; default: $BATON_TOKEN, else none."})
    String token;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed for every random choice (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--snapshot-every", defaultValue = "1s", paramLabel = "TIME", converter = Programs.DurationConverter.class,
            description = "Engine time between snapshots (default: ${DEFAULT-VALUE}).")
    Duration snapshotEvery;

    @Option(names = "--accept-journal-damage", description = "Resume even though the journal is damaged where recovery must read it (see baton run --help).")
    boolean acceptJournalDamage;

    @Option(names = "--engine", defaultValue = "embedded", paramLabel = "ENGINE",
            description = {"embedded (default: in this process, durably in --data-dir) or temporal (the program as a run on Temporal,",
                    "its worker hosted here: events are signals, /execute endpoints and workflow starts are updates, reads are",
                    "queries; --data-dir keeps the idempotency answers and the stream)."})
    String engine;

    @picocli.CommandLine.Mixin
    TemporalOptions temporal = new TemporalOptions();

    @picocli.CommandLine.Mixin
    AiOptions ai = new AiOptions();

    @Unmatched
    List<String> paramArgs = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!engine.equals("embedded") && !engine.equals("temporal")) {
            err.println("baton serve: --engine is embedded or temporal, not '" + engine + "'");
            return ExitCode.USAGE;
        }
        dev.baton.temporal.TemporalTls tls = null;
        if (engine.equals("temporal")) {
            try {
                tls = temporal.checked(err, "serve");
            } catch (Programs.Failed f) {
                return f.exitCode;
            }
        }
        if (port < 0 || port > 65535) {
            err.println("baton serve: --port is 0 to 65535, not " + port);
            return ExitCode.USAGE;
        }
        if (dataDir != null && dataDir.toString().isBlank()) {
            err.println("baton serve: --data-dir is empty; give a directory, or leave it out for .baton/<program name>.serve");
            return ExitCode.USAGE;
        }
        String tok = token != null ? token : System.getenv("BATON_TOKEN");
        if (tok != null && tok.isBlank()) {
            err.println("baton serve: the token is empty; give one, or leave --token and $BATON_TOKEN unset");
            return ExitCode.USAGE;
        }
        List<String> names = new ArrayList<>();
        for (picocli.CommandLine.Model.OptionSpec o : spec.options()) names.addAll(List.of(o.names()));
        Plan plan;
        java.util.Map<String, String> overrides;
        try {
            overrides = Programs.overrides(paramArgs, err, "serve");
            plan = Programs.load(file, err, "serve", overrides, names);
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        if (ai.problem(plan) != null) {
            err.println("baton serve: " + ai.problem(plan));
            return ExitCode.USAGE;
        }
        Path dir = dataDir != null ? dataDir : Path.of(".baton", RunCommand.stem(file) + (engine.equals("temporal") ? ".serve-temporal" : ".serve"));
        DataDir held;
        try {
            held = DataDir.lock(dir);
        } catch (DataDir.InUse e) {
            err.println("baton serve: " + e.getMessage());
            return ExitCode.IN_USE;
        } catch (IOException e) {
            err.println("baton serve: --data-dir: " + e.getMessage());
            return ExitCode.INPUT;
        }
        try (held) {
            if (fresh) {
                held.clearRun();
                // the service's own files go too: an old stream's numbers would hide the new run's
                java.nio.file.Files.deleteIfExists(dir.resolve("stream.log"));
                java.nio.file.Files.deleteIfExists(dir.resolve("idempotency.log"));
            }
            return serve(plan, overrides, tls, held, dir, tok, out, err);
        } catch (IOException e) {
            err.println("baton serve: " + e.getMessage());
            return ExitCode.INPUT;
        }
    }

    private int serve(Plan plan, java.util.Map<String, String> overrides, dev.baton.temporal.TemporalTls tls, DataDir held, Path dir, String tok,
                      PrintWriter out, PrintWriter err) throws IOException {
        EngineOptions options = EngineOptions.defaults().withSeed(seed).withDecisions(ai.providers()).withDataDir(held).withSnapshotEvery(snapshotEvery)
                .withRealClock(true).withAcceptJournalDamage(acceptJournalDamage).withNotices(n -> {
                    err.println("baton serve: " + n);
                    err.flush();
                });
        StreamLog stream = StreamLog.open(dir);
        Backend service;
        if (engine.equals("temporal")) {
            try {
                service = new TemporalBackend(plan, overrides, EngineOptions.defaults().withSeed(seed).withDecisions(ai.providers()), temporal.target, temporal.namespace, tls,
                        temporal.taskQueue, fresh, dir, stream);
            } catch (IllegalArgumentException e) {
                err.println("baton serve: " + e.getMessage());
                return ExitCode.USAGE;
            }
        } else {
            service = new Service(plan, options, stream);
        }
        try {
            service.start();
        } catch (IOException e) {
            service.close();
            err.println("baton serve: " + e.getMessage());
            return ExitCode.INPUT;
        }
        HttpApi api;
        try {
            api = new HttpApi(service, tok, bind, port).start();
        } catch (RuntimeException e) {
            service.close();
            err.println("baton serve: cannot listen on " + bind + ":" + port + ": " + rootMessage(e));
            return ExitCode.INPUT;
        }
        String base = "http://" + (bind.contains(":") ? "[" + bind + "]" : bind) + ":" + api.port();
        out.println("baton serve: " + plan.file.name() + " at " + base + "/  (API: " + base + "/openapi.json; data: " + dir + ")");
        out.flush();
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            // graceful: stop taking requests, finish the turn, sync, snapshot — then exit 0 (a stop asked for is
            // how a service ends, not a failure)
            api.close();
            service.close();
            done.countDown();
            boolean clean = service.died() == null;
            err.println(clean ? "baton serve: stopped; everything answered is kept (run the same command to resume)"
                    : "baton serve: the engine stopped: " + rootMessage(service.died()));
            err.flush();
            out.flush();
            Runtime.getRuntime().halt(clean ? ExitCode.OK : ExitCode.INTERNAL);
        }, "baton-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            service.stopped().join();
        } catch (RuntimeException e) {
            // the engine failed
        }
        if (service.died() != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // already stopping
            }
            api.close();
            err.println("baton serve: the engine stopped: " + rootMessage(service.died()) + " (what was answered is kept: run the same command to resume)");
            return ExitCode.INTERNAL;
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCode.OK;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
