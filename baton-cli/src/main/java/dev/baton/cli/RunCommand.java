package dev.baton.cli;

import dev.baton.kafka.KafkaAddress;
import dev.baton.kafka.KafkaEventBus;
import dev.baton.kafka.KafkaInbox;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.plan.Plan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/** {@code baton run FILE}: run a program on the embedded engine, durably, and report. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a Baton program on the embedded engine and print a report.",
                "State lives in a data directory: run the same command again and it resumes where it stopped",
                "(a finished run prints its report again; --fresh starts over). Edited to a new version with a",
                "'Migration from' the run's, the program moves the run to it (see docs/language.md, Migration); on",
                "Temporal too, while the run of the earlier version still goes on (its id is kept in .baton/NAME/).",
                "The run stops when its load generators are done and the work has settled, or at --duration.",
                "Any other --NAME VALUE sets the program's 'Param NAME' (e.g. --players 1000)."})
final class RunCommand extends ProgramCommand {
    enum Format { text, json }

    @Parameters(index = "0", paramLabel = "FILE", description = "The .baton program to run.")
    String file;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where snapshots and the journal live (default: .baton/<program name>).")
    Path dataDir;

    @Option(names = "--fresh", description = {"Discard what the data directory holds and start over (refused, exit 5, while another",
            "process runs on it)."})
    boolean fresh;

    @Option(names = "--accept-journal-damage", description = {"Resume even though the journal is damaged where recovery must read it,",
            "going on without the external events recorded there (a copy of the damaged bytes is kept beside it).",
            "Without it such a run refuses to resume and says which bytes are damaged."})
    boolean acceptJournalDamage;

    @Option(names = "--clock", defaultValue = "fast", paramLabel = "MODE",
            description = "fast: engine time runs as fast as the work allows (default); real: paced to the wall clock.")
    String clock;

    @Option(names = "--events", paramLabel = "FILE|-|kafka://HOST:PORT", description = {
            "Accept external events as JSON lines from FILE ('-' for standard input):",
            "{\"seq\": 1, \"event\": \"Player.AttackBoss\", \"payload\": {…}, \"producer\": \"web-1\"} (producer optional: each producer",
            "numbers its own events). Each is journaled before it is applied and acknowledged ('ack SEQ', 'ack PRODUCER SEQ';",
            "with --engine temporal once the run's workflow has it) or rejected with the reason ('reject SEQ: …', 'reject line N: …')",
            "on standard output — on standard error with --report json, so that standard output is the report alone.",
            "Run the command again after a crash and resend from before the last 'ack': what the run already has is acknowledged",
            "again and not applied twice; a number skipped and sent later is applied then. A line holds at most 1 MiB.",
            "Or consume them from Kafka: event E from topic E, the record value its JSON payload, any number of partitions;",
            "the offsets applied are kept with the run's state, so a crash neither loses nor repeats an event.",
            "Options: kafka://HOST:PORT?prefix=P (topics P+E), group=G (consumer group for lag monitoring),",
            "stop-when-idle=2s (stop once every partition is read to its end and idle that long),",
            "config=FILE (Kafka client settings for a secured cluster: security.protocol, sasl.*, ssl.*; also on --emit-log)."})
    String events;

    @Option(names = "--engine", defaultValue = "embedded", paramLabel = "ENGINE",
            description = {"embedded (default): this process, state in the data directory.",
                    "temporal: a Temporal workflow interprets the program; the run lives in Temporal (see --temporal) and survives",
                    "the death of this process: run the same command again to wait for it (or see its report)."})
    String engine;

    @picocli.CommandLine.Mixin
    TemporalOptions temporal = new TemporalOptions();

    @Option(names = "--state", paramLabel = "redis://HOST:PORT", description = {
            "Publish the run's global state to Redis as it changes: hash baton:state:{PROGRAM}, a field per global (JSON)",
            "(rediss:// for TLS; redis://USER:PASSWORD@HOST:PORT, or the password in $BATON_REDIS_PASSWORD;",
            "?ca=FILE trusts those PEM authorities, &cert=FILE&key=FILE presents a client certificate)",
            "and @time (engine ms). Idempotent by engine time; a Redis restart makes the run wait for it (up to 30 s).",
            "With --engine temporal, payloads above 256 KiB (the run's snapshot, carried by continue-as-new) are kept there",
            "too, as baton:blob:{SHA-256} (expiring 7 days after their last read), the history holding their digest."})
    String state;

    @Option(names = "--temporal-max-payload", defaultValue = "2MiB", paramLabel = "SIZE", converter = SizeConverter.class,
            description = {"The largest payload the Temporal cluster accepts (default: ${DEFAULT-VALUE}, Temporal's limit.blobSize.error).",
                    "Without --state, a run whose snapshot is larger does not continue as new: it goes on in one run while its",
                    "history has room, then fails saying so. Sizes: 4096, 512KiB, 2MiB."})
    long maxPayload;

    @Option(names = "--temporal-max-children", defaultValue = "500", paramLabel = "N",
            description = {"With --engine temporal: at most N child workflows out at once per run (default: ${DEFAULT-VALUE}); further",
                    "runs of self-contained workflows are worked out by the run's own worker, with the same results. 0: none,",
                    "every workflow runs inside the run's workflow (a child workflow costs a few ms on Temporal; see PERFORMANCE.md)."})
    int maxChildren;

    /** Bytes from {@code N}, {@code NKiB} or {@code NMiB}. */
    static final class SizeConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})(KiB|MiB)?").matcher(value.trim());
            if (!m.matches()) throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a size (4096, 512KiB, 2MiB)");
            long n = Long.parseLong(m.group(1)) << (m.group(2) == null ? 0 : m.group(2).equals("KiB") ? 10 : 20);
            if (n < 1024) throw new picocli.CommandLine.TypeConversionException("'" + value + "' is below 1KiB");
            return n;
        }
    }

    @Option(names = "--snapshot-every", defaultValue = "1s", paramLabel = "TIME", converter = Programs.DurationConverter.class,
            description = "Engine time between snapshots (default: ${DEFAULT-VALUE}).")
    Duration snapshotEvery;

    @Option(names = "--no-progress", description = "Do not show the live progress line.")
    boolean noProgress;

    @Option(names = "--hot-modules", defaultValue = "auto", paramLabel = "auto|none|M,…", description = {
            "With --engine temporal and --state: the modules kept on the state store instead of in the run's workflow (hot",
            "modules: each call a transaction on the module's record, baton:hot:{RUN/ID:MODULE}, exactly once). auto (default): the",
            "storable modules that a module with many instances calls (the world boss's authority); none; or a list. A module",
            "a fault may crash stays in the run. 'baton check --modules FILE' tells which modules are storable and why not."})
    String hotModules;
    /** The modules --hot-modules names (null: auto). */
    private java.util.List<String> hotAsked;

    @Option(names = "--partitions", defaultValue = "1", paramLabel = "N", description = {
            "With --engine temporal and --state: spread the run over N workflows (the run's and ID#p1 …): each keeps its share",
            "of the instances of the modules that only talk to the hot modules (the shards), all share the hot modules on Redis,",
            "the first gathers the report; all end at one engine time. Final state, totals and work done are the one-workflow",
            "run's; the trace is not (the partitions' calls interleave differently). 'baton check --modules FILE' tells whether",
            "a program can be spread, and why not."})
    int partitions;

    @Option(names = "--no-worker", description = {"With --engine temporal: host no worker in this process; 'baton worker' processes on the task",
            "queue run the workflow and publish what it emits to their --emit-log. This process starts (or finds) the run,",
            "feeds it --events, publishes --state and prints the report."})
    boolean noWorker;


    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!clock.equals("fast") && !clock.equals("real")) {
            err.println("baton run: --clock is fast or real, not '" + clock + "'");
            return ExitCode.USAGE;
        }
        if (!engine.equals("embedded") && !engine.equals("temporal")) {
            err.println("baton run: --engine is embedded or temporal, not '" + engine + "'");
            return ExitCode.USAGE;
        }
        if (noWorker && !engine.equals("temporal")) {
            err.println("baton run: --no-worker is for --engine temporal (the embedded engine is this process)");
            return ExitCode.USAGE;
        }
        if (!hotModules.equals("auto") && !hotModules.equals("none") && (!engine.equals("temporal") || state == null)) {
            err.println("baton run: --hot-modules is for --engine temporal with --state (the embedded engine keeps every module in this process)");
            return ExitCode.USAGE;
        }
        if (dataDir != null && dataDir.toString().isBlank()) {
            err.println("baton run: --data-dir is empty; give a directory, or leave it out for .baton/<program name>");
            return ExitCode.USAGE;
        }
        if (partitions < 1) {
            err.println("baton run: --partitions is a count (1 or more), not " + partitions);
            return ExitCode.USAGE;
        }
        if (partitions > 1 && (!engine.equals("temporal") || state == null)) {
            err.println("baton run: --partitions is for --engine temporal with --state (the partitions share the hot modules on Redis)");
            return ExitCode.USAGE;
        }
        if (maxChildren < 0) {
            err.println("baton run: --temporal-max-children is a count (0 or more), not " + maxChildren);
            return ExitCode.USAGE;
        }
        Plan plan;
        java.util.Map<String, String> overrides;
        try {
            overrides = Programs.overrides(paramArgs, err, "run");
            plan = Programs.load(file, err, "run", overrides, optionNames());
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        if (settings.faults.problemWith(plan) != null) {
            err.println("baton run: " + settings.faults.problemWith(plan));
            return ExitCode.USAGE;
        }
        if (settings.aiProblem(plan) != null) {
            err.println("baton run: " + settings.aiProblem(plan));
            return ExitCode.USAGE;
        }
        if (!hotModules.equals("auto")) {
            hotAsked = new java.util.ArrayList<>();
            if (!hotModules.equals("none")) for (String m : hotModules.split(",")) if (!m.isBlank()) hotAsked.add(m.trim());
            for (String m : hotAsked) {
                String problem = dev.baton.temporal.TemporalEngine.hotModuleProblem(plan, m);
                if (problem != null) {
                    err.println("baton run: --hot-modules: " + problem);
                    return ExitCode.USAGE;
                }
            }
        }
        if (partitions > 1 && plan.unsplittable != null) {
            err.println("baton run: --partitions: the run cannot be spread over partitions: " + plan.unsplittable);
            return ExitCode.USAGE;
        }
        dev.baton.redis.RedisSharedState redis;
        try {
            redis = openState(state, err, "run");
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        dev.baton.runtime.StateObserver observer = redis == null ? null : new dev.baton.redis.RedisStatePublisher(redis, stem(file));
        try {
            if (engine.equals("temporal")) return runOnTemporal(plan, overrides, observer, redis, out, err);
            return runEmbedded(plan, observer, out, err);
        } finally {
            if (redis != null) redis.close();
        }
    }

    /** The Kafka inbox of {@code --events kafka://…}; a bad address is a usage error, an unreachable broker exit 3. */
    private KafkaInbox kafkaInbox(Plan plan, PrintWriter err) throws Programs.Failed {
        try {
            KafkaAddress address = KafkaAddress.parse(events);
            address.checkReachable(Duration.ofSeconds(10));
            return new KafkaInbox(address, plan.events.stream().map(e -> e.name()).toList(), stem(file), (item, why) -> {
                err.println("baton run: rejected " + item.source() + "@" + item.seq() + " (" + item.event() + "): " + why);
                err.flush();
            });
        } catch (IllegalArgumentException e) {
            err.println("baton run: --events: " + e.getMessage());
            throw new Programs.Failed(ExitCode.USAGE);
        } catch (IOException e) {
            err.println("baton run: --events: " + e.getMessage());
            throw new Programs.Failed(ExitCode.INPUT);
        }
    }

    /** The state store of {@code --state} (null without one); a bad address is a usage error, an unreachable Redis exit 3. */
    static dev.baton.redis.RedisSharedState openState(String address, PrintWriter err, String command) throws Programs.Failed {
        if (address == null) return null;
        try {
            return connectState(address);
        } catch (IllegalArgumentException e) {
            err.println("baton " + command + ": --state: " + e.getMessage());
            throw new Programs.Failed(ExitCode.USAGE);
        } catch (IOException e) {
            err.println("baton " + command + ": --state: " + e.getMessage());
            throw new Programs.Failed(ExitCode.INPUT);
        }
    }

    /**
     * Connects to the state store ({@code redis://} or {@code rediss://}, credentials and TLS files
     * in the address, the password possibly from $BATON_REDIS_PASSWORD), failing fast (3 s) when
     * nothing answers, the credentials are refused or the TLS handshake fails; then rides out
     * restarts for 30 s.
     */
    static dev.baton.redis.RedisSharedState connectState(String address) throws IOException {
        dev.baton.redis.RedisAddress where = dev.baton.redis.RedisAddress.parse(address, System.getenv(dev.baton.redis.RedisAddress.PASSWORD_ENV));
        dev.baton.redis.RedisSharedState store = null;
        try {
            store = dev.baton.redis.RedisSharedState.connect(where);
            store.reconnectFor(Duration.ofSeconds(3)).read("baton-reachability");
            return store.reconnectFor(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            if (store != null) store.close();
            throw new IOException(dev.baton.redis.RedisSharedState.problem(where, e));
        }
    }

    private int runEmbedded(Plan plan, dev.baton.runtime.StateObserver observer, PrintWriter out, PrintWriter err) {
        Path dir = dataDir != null ? dataDir : Path.of(".baton", stem(file));
        // the directory's lock comes first: nothing of a live run's directory (or its event log) is touched
        dev.baton.runtime.DataDir held;
        try {
            held = dev.baton.runtime.DataDir.lock(dir);
        } catch (dev.baton.runtime.DataDir.InUse e) {
            err.println("baton run: " + e.getMessage());
            return ExitCode.IN_USE;
        } catch (IOException e) {
            err.println("baton run: --data-dir: " + e.getMessage());
            return ExitCode.INPUT;
        }
        try (held) {
            if (fresh) {
                try {
                    held.clearRun();
                } catch (IOException e) {
                    err.println("baton run: cannot clear " + dir + ": " + e.getMessage());
                    return ExitCode.INPUT;
                }
            }
            return runEmbedded(plan, observer, held, out, err);
        } catch (IOException e) {
            err.println("baton run: " + e.getMessage());
            return ExitCode.INPUT;
        }
    }

    private int runEmbedded(Plan plan, dev.baton.runtime.StateObserver observer, dev.baton.runtime.DataDir held, PrintWriter out,
                            PrintWriter err) {
        dev.baton.runtime.Inbox inbox = null;
        if (events != null && events.startsWith("kafka://")) {
            try {
                inbox = kafkaInbox(plan, err);
            } catch (Programs.Failed f) {
                return f.exitCode;
            }
        } else if (events != null) {
            try {
                inbox = StdinInbox.open(events, acks(out, err));
            } catch (IOException | java.nio.file.InvalidPathException e) {
                err.println("baton run: --events " + events + ": " + e.getMessage());
                return ExitCode.INPUT;
            }
        }
        boolean live = !noProgress && System.console() != null && !settings.json() && events == null;
        EngineOptions options = settings.engineOptions().withDataDir(held).withState(observer)
                .withSnapshotEvery(snapshotEvery).withRealClock(clock.equals("real")).withInbox(inbox)
                .withAcceptJournalDamage(acceptJournalDamage)
                .withNotices(notice -> {
                    err.println("baton run: " + notice);
                    err.flush();
                })
                .withProgress(live ? p -> {
                    err.print(Reports.progressLine(p));
                    err.flush();
                } : null);
        // Ctrl-C or SIGTERM: the run stops at its next slice, snapshots, says so, and the process exits then
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopping.set(true);
            try {
                done.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "baton-run-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return withEmitLog(settings.emitLog, fresh, stem(file), options.withStop(stopping::get), err, "run",
                    o -> execute(plan, o, out, err, "run", settings.json()));
        } finally {
            if (inbox instanceof KafkaInbox k) k.close();
            out.flush();
            err.flush();
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that the run has stopped
            }
        }
    }

    /** Where acknowledgements go: standard output, unless it carries a JSON report (then standard error). */
    private PrintWriter acks(PrintWriter out, PrintWriter err) {
        return settings.json() ? err : out;
    }

    private int runOnTemporal(Plan plan, java.util.Map<String, String> overrides, dev.baton.runtime.StateObserver observer,
                              dev.baton.redis.RedisSharedState redis, PrintWriter out, PrintWriter err) {
        for (String[] unsupported : new String[][] {
                {"--data-dir", dataDir == null ? null : dataDir.toString()}, {"--clock", clock.equals("fast") ? null : clock}}) {
            if (unsupported[1] != null) {
                err.println("baton run: " + unsupported[0] + " is not available with --engine temporal (the run's state lives in Temporal)");
                return ExitCode.USAGE;
            }
        }
        if (noWorker && settings.emitLog != null) {
            err.println("baton run: with --no-worker the workers publish the run's events: give --emit-log to 'baton worker'");
            return ExitCode.USAGE;
        }
        dev.baton.temporal.TemporalTls tls;
        try {
            tls = temporal.checked(err, "run");
        } catch (Programs.Failed f) {
            return f.exitCode;
        }
        dev.baton.temporal.TemporalEngine t = new dev.baton.temporal.TemporalEngine(plan, overrides, settings.engineOptions().withState(observer),
                temporal.target, temporal.namespace, fresh);
        try {
            t.withTls(tls).withTaskQueue(temporal.taskQueue);
        } catch (IllegalArgumentException e) {
            err.println("baton run: " + e.getMessage());
            return ExitCode.USAGE;
        }
        t.withPayloadLimits(dev.baton.temporal.TemporalEngine.DEFAULT_OFFLOAD_ABOVE, maxPayload).withMaxChildWorkflows(maxChildren);
        if (noWorker) {
            t.withoutWorker().withNotices(notice -> {
                err.println("baton run: " + notice);
                err.flush();
            }, Duration.ofSeconds(10));
        }
        if (redis != null) t.withBlobStore(blobsIn(redis, state)).withHotStore(redis);
        if (hotAsked != null) t.withHotModules(hotAsked);
        try {
            t.withPartitions(partitions);
        } catch (IllegalArgumentException e) {
            err.println("baton run: --partitions: " + e.getMessage());
            return ExitCode.USAGE;
        }
        KafkaInbox kafka = null;
        if (events != null && events.startsWith("kafka://")) {
            try {
                kafka = kafkaInbox(plan, err);
            } catch (Programs.Failed f) {
                return f.exitCode;
            }
            t.withInbox(kafka);
        } else if (events != null) {
            try {
                t.withInbox(StdinInbox.open(events, acks(out, err)));
            } catch (IOException | java.nio.file.InvalidPathException e) {
                err.println("baton run: --events " + events + ": " + e.getMessage());
                return ExitCode.INPUT;
            }
        }
        // the run an earlier version of the program started: this version moves it along (or is refused)
        Path runs = Path.of(".baton", stem(file), "temporal-runs.properties");
        java.util.Properties known = new java.util.Properties();
        if (Files.isRegularFile(runs)) {
            try (java.io.Reader r = Files.newBufferedReader(runs)) {
                known.load(r);
            } catch (IOException | IllegalArgumentException e) {
                err.println("baton run: " + runs + " is damaged (" + e.getMessage() + "); delete it (it only says which run an earlier version started)");
                return ExitCode.INPUT;
            }
        }
        String lineage = t.lineage();
        if (known.getProperty(lineage) != null) t.withPreviousRun(known.getProperty(lineage));
        t.withStarted((id, note) -> {
            if (note != null) {
                err.println("baton run: " + note);
                err.flush();
            }
            if (id.equals(known.getProperty(lineage))) return;
            known.setProperty(lineage, id);
            try {
                Files.createDirectories(runs.getParent());
                Path tmp = runs.resolveSibling(runs.getFileName() + ".tmp");
                try (java.io.Writer w = Files.newBufferedWriter(tmp)) {
                    known.store(w, "the run on Temporal each program lineage (name, parameters, seed, faults) has: a new version moves it");
                }
                Files.move(tmp, runs, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                err.println("baton run: could not note the run's id in " + runs + " (" + e.getMessage() + "); a new version will start a run of its own");
            }
        });
        if (!settings.json()) {
            java.util.List<String> apart = new java.util.ArrayList<>();
            for (Plan.WorkflowPlan w : plan.workflows) if (w.detachable() && maxChildren > 0) apart.add(w.name());
            java.util.List<String> onStore = t.hotModules();
            err.println("baton run: on Temporal at " + temporal.target + ": "
                    + (onStore.isEmpty() ? "every module" : String.join(", ", onStore) + " on the state store (hot), every other module")
                    + " in workflow " + t.workflowId()
                    + (known.getProperty(lineage) == null || known.getProperty(lineage).equals(t.workflowId()) ? ""
                    : " (or, while it runs, " + known.getProperty(lineage) + " of an earlier version, moved to this one)")
                    + (partitions > 1 ? " (" + String.join(", ", plan.split) + " spread over it and " + t.workflowId() + "#p1 … #p" + (partitions - 1) + ")" : "")
                    + (apart.isEmpty() ? "" : ", self-contained " + String.join(", ", apart) + " as child workflows " + t.workflowId() + "::…")
                    + " (task queue " + t.taskQueue() + (noWorker ? ", served by 'baton worker' processes" : "")
                    + "; run the same command again to reattach)");
            err.flush();
        }
        try {
            return withEmitLog(settings.emitLog, fresh, stem(file), settings.engineOptions(), err, "run",
                    o -> report(t.withBus(o.bus())::run, out, err, "run", settings.json()));
        } finally {
            if (kafka != null) kafka.close();
        }
    }

    /**
     * How long a blob kept in Redis for a Temporal run lives unread (each read renews it); well above
     * {@link dev.baton.temporal.TemporalEngine#DEFAULT_MAX_RUN_AGE}, the longest a run reads nothing.
     */
    static final Duration BLOB_TTL = Duration.ofDays(7);

    /** The Temporal engine's large payloads, in the state store's Redis. */
    static dev.baton.temporal.BlobStore blobsIn(dev.baton.redis.RedisSharedState redis, String address) {
        return new dev.baton.temporal.BlobStore() {
            @Override
            public void put(String id, byte[] bytes) {
                redis.putBlob(id, bytes, BLOB_TTL);
            }

            @Override
            public byte[] get(String id) {
                return redis.getBlob(id, BLOB_TTL);
            }

            @Override
            public String where() {
                return address;
            }
        };
    }

    /** Runs {@code body} with an event log (a file, or Kafka topics) attached when {@code target} is given. */
    static int withEmitLog(String target, boolean fresh, String program, EngineOptions options, PrintWriter err, String command,
                           java.util.function.Function<EngineOptions, Integer> body) {
        if (target == null) return body.apply(options);
        if (target.startsWith("kafka://")) {
            KafkaAddress address;
            try {
                address = KafkaAddress.parse(target);
                address.checkReachable(Duration.ofSeconds(10));
            } catch (IllegalArgumentException e) {
                err.println("baton " + command + ": --emit-log: " + e.getMessage());
                return ExitCode.USAGE;
            } catch (IOException e) {
                err.println("baton " + command + ": --emit-log: " + e.getMessage());
                return ExitCode.INPUT;
            }
            try (KafkaEventBus bus = new KafkaEventBus(address, program)) {
                return body.apply(options.withBus(bus));
            } catch (IllegalStateException e) {
                err.println("baton " + command + ": --emit-log: " + e.getMessage());
                return ExitCode.INPUT;
            }
        }
        try (EventLog log = new EventLog(Path.of(target), fresh)) {
            return body.apply(options.withBus(log));
        } catch (IOException | java.io.UncheckedIOException | java.nio.file.InvalidPathException e) {
            err.println("baton " + command + ": --emit-log " + target + ": " + e.getMessage());
            return ExitCode.INPUT;
        }
    }

    static int execute(Plan plan, EngineOptions options, PrintWriter out, PrintWriter err, String command, boolean json) {
        return report(() -> {
            try {
                return new EmbeddedEngine(plan, options).run();
            } finally {
                if (options.progress() != null) {
                    err.print("\r" + " ".repeat(120) + "\r"); // the progress line goes before the report comes
                    err.flush();
                }
            }
        }, out, err, command, json);
    }

    /** Runs an engine and prints its report; the exit code follows the invariants. */
    static int report(dev.baton.runtime.Engine engine, PrintWriter out, PrintWriter err, String command, boolean json) {
        RunReport r;
        try {
            r = engine.run();
        } catch (dev.baton.runtime.DataDir.InUse e) {
            err.println("baton " + command + ": " + e.getMessage());
            return ExitCode.IN_USE;
        } catch (EmbeddedEngine.Stopped e) {
            err.println("baton " + command + ": interrupted: " + e.getMessage());
            return ExitCode.INTERRUPTED;
        } catch (IOException e) {
            err.println("baton " + command + ": " + e.getMessage());
            return ExitCode.INPUT;
        }
        if (json) out.println(Reports.json(r));
        else Reports.text(r, out);
        out.flush();
        if (!r.failedInvariants().isEmpty()) {
            err.println("baton " + command + ": invariants violated: " + String.join(", ", r.failedInvariants()));
            return ExitCode.PROBLEMS;
        }
        return ExitCode.OK;
    }

    static String stem(String file) {
        String name = Path.of(file).getFileName().toString();
        return name.endsWith(".baton") ? name.substring(0, name.length() - 6) : name;
    }
}
