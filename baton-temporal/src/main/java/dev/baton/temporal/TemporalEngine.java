package dev.baton.temporal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.runtime.Engine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.plan.Plan;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine on Temporal ({@code baton run FILE --engine temporal --temporal HOST:PORT}).
 *
 * <p>A run is one workflow ({@link BatonRunWorkflow}), its id derived from the program's name,
 * digest, parameters and seed, so running the same command again attaches to the same run:
 * one still going is waited for (this process's worker joins in), a finished one gives its
 * report again; {@code fresh} starts a new one. This process hosts a worker on the task queue
 * {@value #TASK_QUEUE} (or {@link #withTaskQueue}) for as long as it waits; any number of processes may — the run survives
 * the death of every one of them and goes on when one comes back.
 *
 * <p>External events ({@link #withInbox}) reach the run as batched signals carrying their inbox
 * positions; emitted events leave it through a local activity that publishes them to this
 * worker's event bus, batch by batch (at least once, each with its deterministic number in the
 * run). The run's snapshot, carried from one run of the chain to the next by continue-as-new,
 * grows with the program's state (2–3 MB for 100,000 players); Temporal refuses payloads above
 * 2 MiB, so with a {@link BlobStore} payloads above 256 KiB are kept there and the history holds
 * their digest ({@link LargePayloadCodec}); without one, a run whose snapshot is too large goes
 * on in one run while its history has room. The program's endpoints are reachable from outside
 * ({@link #callEndpoint}): {@code /return} ones as a query, {@code /execute} ones as an update.
 * What is not mapped yet: spreading one run's module instances over several workflows.
 */
public final class TemporalEngine implements Engine {
    public static final String TASK_QUEUE = "baton";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Plan plan;
    private final Map<String, String> params;
    private EngineOptions options;
    private final String target;
    private final String namespace;
    private final boolean fresh;
    private int tasksPerRun = 100;
    private dev.baton.runtime.Inbox inbox;
    private BlobStore blobs;
    private int offloadAbove = DEFAULT_OFFLOAD_ABOVE;
    private long maxPayload = DEFAULT_MAX_PAYLOAD;
    private long historyEventsLimit = BatonRunWorkflowImpl.HISTORY_EVENTS_LIMIT;
    private TemporalTls tls = TemporalTls.NONE;

    /** Temporal's default limit on one payload ({@code limit.blobSize.error}: 2 MiB). */
    public static final long DEFAULT_MAX_PAYLOAD = 2L << 20;
    /** Payloads above this go to the blob store, when there is one (Temporal warns from 512 KiB). */
    public static final int DEFAULT_OFFLOAD_ABOVE = 256 << 10;

    /**
     * @param params the parameter overrides the plan was compiled with (text, as on the command line)
     * @param target the Temporal frontend, {@code HOST:PORT}
     */
    public TemporalEngine(Plan plan, Map<String, String> params, EngineOptions options, String target, String namespace, boolean fresh) {
        this.plan = plan;
        this.params = new LinkedHashMap<>(params);
        this.options = options;
        this.target = target;
        this.namespace = namespace;
        this.fresh = fresh;
    }

    /** Publishes the run's emitted events to {@code bus} (from this process's worker). */
    public TemporalEngine withBus(dev.baton.runtime.EventBus bus) {
        this.options = options.withBus(bus);
        return this;
    }

    /** The id the run's workflow had when it was started (it moved to a new version since, so the id no longer follows the program). */
    private String workflowIdOverride;

    /**
     * Attaches to (or starts) the run under {@code id} instead of the id the program, parameters
     * and seed give — for a service whose run has moved to a new version ({@link Live#deploy}) and
     * keeps its first id.
     */
    public TemporalEngine withWorkflowId(String id) {
        this.workflowIdOverride = id;
        return this;
    }

    /** The run an earlier version of the program started (same lineage), or null. */
    private String previousRun;

    /**
     * The workflow id of the run an earlier version of this program started with the same
     * parameters, seed and faults ({@link #lineage}): when that run is still going, {@link #run}
     * deploys this version into it — taken at its next continue-as-new — and attaches to it
     * instead of starting a new run; refused (a running workflow at a statement that is gone, no
     * {@code Migration from} its version…), it fails with every reason and nothing moves. A run
     * that has ended is left as it is, and this version starts a run of its own. With {@code
     * fresh}, that run is ended as well.
     */
    public TemporalEngine withPreviousRun(String id) {
        this.previousRun = id;
        return this;
    }

    /**
     * What identifies the run apart from the program's meaning: its name, parameters, seed, faults
     * and partitions. Versions of a program with the same lineage are one run moved along.
     */
    public String lineage() {
        return idWith("");
    }

    /** What {@link #run} did with the earlier version's run (moved it, or left it), or null. */
    private String previousRunNote;
    private java.util.function.BiConsumer<String, String> onStarted;

    /**
     * Told, once {@link #run} has started the run or attached to it, its workflow id and what
     * happened to the earlier version's run ({@link #withPreviousRun}; null when nothing did).
     */
    public TemporalEngine withStarted(java.util.function.BiConsumer<String, String> started) {
        this.onStarted = started;
        return this;
    }

    /**
     * The task queue the run's workflow is scheduled on and this process's worker polls (default
     * {@value #TASK_QUEUE}): separate queues keep environments, teams or Baton versions apart on
     * one cluster. Every process working on a run must use the same one (a run started on one
     * queue keeps it).
     */
    public TemporalEngine withTaskQueue(String name) {
        this.taskQueue = checkTaskQueue(name);
        return this;
    }

    private static String checkTaskQueue(String name) {
        if (name == null || name.isBlank() || name.length() > 200 || !name.matches("[\\p{Graph}]+")) {
            throw new IllegalArgumentException("task queue '" + name + "': give a non-empty name without spaces, at most 200 characters");
        }
        return name;
    }

    private String taskQueue = TASK_QUEUE;

    /** The task queue the run uses. */
    public String taskQueue() {
        return taskQueue;
    }

    /** A trickle of external events leaves as one signal at most this often (default 100 ms: ten signals a second). */
    public TemporalEngine withSignalInterval(Duration interval) {
        this.signalIntervalMs = Math.max(0, interval.toMillis());
        return this;
    }

    /** A signal's events: at most this many bytes of payload (or half the cluster's payload limit, if less) … */
    static final long SIGNAL_MAX_BYTES = 512 * 1024;
    /** … and at most this many events. */
    static final int SIGNAL_MAX_EVENTS = 10_000;
    private long signalIntervalMs = 100;

    /** Workflow tasks per run of the chain before it continues as new (default 100). */
    public TemporalEngine withTasksPerRun(int n) {
        this.tasksPerRun = n;
        return this;
    }

    /**
     * Feeds the run from {@code inbox}: its events go to the workflow as signals (after the
     * same validation the embedded engine does; rejections are acknowledged with the reason),
     * acknowledged once Temporal has them. On (re)start the inbox resumes from the positions the
     * workflow reports, so a crash of this process neither loses nor repeats an event.
     */
    public TemporalEngine withInbox(dev.baton.runtime.Inbox inbox) {
        this.inbox = inbox;
        return this;
    }

    /**
     * Keeps payloads above {@link #DEFAULT_OFFLOAD_ABOVE} (the run's snapshots, carried from one
     * run of the chain to the next) in {@code store} instead of Temporal's history, so a run of
     * any size can continue as new. Every process working on the run needs the same store.
     */
    public TemporalEngine withBlobStore(BlobStore store) {
        this.blobs = store;
        return this;
    }

    /**
     * With a blob store, every run of the chain continues as new once it is this old (default
     * {@link #DEFAULT_MAX_RUN_AGE}), even while it only waits, so that the blob holding its input
     * was written recently: keep it well below the time the store keeps a blob nobody reads.
     */
    public TemporalEngine withMaxRunAge(Duration age) {
        if (age.isNegative() || age.isZero()) throw new IllegalArgumentException("a run's age limit must be positive");
        this.maxRunAgeMs = age.toMillis();
        return this;
    }

    /**
     * At most {@code n} child workflows out at once per run (and per child workflow); further runs
     * apart are worked out by the run's own worker — the same result (default
     * {@link #DEFAULT_MAX_CHILDREN}). Bounds the history a run grows while it cannot continue as
     * new. 0: no child workflows at all.
     */
    public TemporalEngine withMaxChildWorkflows(int n) {
        if (n < 0) throw new IllegalArgumentException("the number of child workflows out at once cannot be negative");
        this.maxChildren = n;
        return this;
    }

    public static final int DEFAULT_MAX_CHILDREN = 500;

    private dev.baton.runtime.HotStore hotStore;
    /** The modules asked for on the store (null: the plan's hot modules). */
    private java.util.List<String> hotAsked;

    /**
     * The state store this process's worker keeps hot modules on (its local activity
     * {@link BatonHot} runs their calls there); with it, {@link #hotModules} go there.
     */
    public TemporalEngine withHotStore(dev.baton.runtime.HotStore store) {
        this.hotStore = store;
        return this;
    }

    /**
     * The modules to keep on the state store instead of in the run's workflow (empty: none); without
     * this, the program's hot modules ({@code Plan#hot}: storable ones that a module with many instances
     * calls). Each must be storable.
     *
     * @throws IllegalArgumentException naming a module that is not in the program or cannot live on the store, and why
     */
    public TemporalEngine withHotModules(java.util.List<String> modules) {
        for (String m : modules) {
            String problem = hotModuleProblem(plan, m);
            if (problem != null) throw new IllegalArgumentException(problem);
        }
        this.hotAsked = java.util.List.copyOf(modules);
        return this;
    }

    private int partitions = 1;

    /**
     * Spreads the run over {@code n} workflows (partitions): the run's own and {@code ID#p1} …,
     * each keeping its share of the program's split modules' instances ({@code Plan#split}), all
     * sharing the hot modules on the state store; the first gathers what the others did into the
     * report. Needs a hot store ({@link #withHotStore}), the program's own hot modules, no external
     * events, and a program that can be spread ({@code Plan#unsplittable} says why not).
     *
     * @throws IllegalArgumentException saying what is missing
     */
    public TemporalEngine withPartitions(int n) {
        if (n < 1) throw new IllegalArgumentException("the number of partitions is at least 1, not " + n);
        if (n > 1) {
            if (plan.unsplittable != null) throw new IllegalArgumentException("the run cannot be spread over partitions: " + plan.unsplittable);
            if (hotStore == null) throw new IllegalArgumentException("partitions share the hot modules on the state store: give --state redis://HOST:PORT");
            if (hotAsked != null && !hotAsked.equals(plan.hot)) {
                throw new IllegalArgumentException("partitions share the program's hot modules (" + String.join(", ", plan.hot) + "): leave --hot-modules at auto");
            }
            if (!hotModules().equals(plan.hot)) throw new IllegalArgumentException("a fault may crash " + String.join(", ", plan.hot) + ", which partitions share");
        }
        this.partitions = n;
        return this;
    }

    public int partitions() {
        return partitions;
    }

    /** Why {@code module} cannot be one of {@code plan}'s hot modules (it is not in it, or not storable), or null. */
    public static String hotModuleProblem(Plan plan, String module) {
        if (plan.moduleIndex(module) < 0) return "there is no module " + module + " in " + plan.file.name();
        if (!plan.storable.containsKey(module)) return module + " cannot live on the state store (see 'baton check --modules " + plan.file.name() + "')";
        return null;
    }

    /**
     * The modules this run keeps on the state store: none without a store; of those asked (or the
     * plan's hot ones), all but any a fault may crash (a crash resets an instance inside a run, not
     * a record on the store).
     */
    public java.util.List<String> hotModules() {
        if (hotStore == null) return java.util.List.of();
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String m : hotAsked != null ? hotAsked : plan.hot) {
            if (!dev.baton.runtime.internal.exec.Hot.mayCrash(plan, options.faults(), m)) out.add(m);
        }
        return out;
    }
    private int maxChildren = DEFAULT_MAX_CHILDREN;

    /** The default of {@link #withMaxRunAge}: a day. */
    public static final Duration DEFAULT_MAX_RUN_AGE = Duration.ofDays(1);
    private long maxRunAgeMs = DEFAULT_MAX_RUN_AGE.toMillis();

    /**
     * @param offloadAbove payloads larger than this many bytes go to the blob store (if any)
     * @param maxPayload   the largest payload the Temporal cluster accepts; without a blob store,
     *                     a snapshot larger than this is not carried by continue-as-new
     */
    public TemporalEngine withPayloadLimits(int offloadAbove, long maxPayload) {
        if (offloadAbove < 1 || maxPayload < 1) throw new IllegalArgumentException("payload limits must be positive");
        this.offloadAbove = offloadAbove;
        this.maxPayload = maxPayload;
        return this;
    }

    /**
     * The history length (events) at which a run that cannot continue as new — its snapshot above
     * the payload limit, no blob store — gives up with a message (default 40,000, below Temporal's
     * default limit.historyCount.error of 51,200; lower it for a cluster configured lower).
     */
    public TemporalEngine withHistoryLimit(long events) {
        if (events < 100) throw new IllegalArgumentException("a history limit below 100 events leaves no room to run");
        this.historyEventsLimit = events;
        return this;
    }

    /** The workflow id of this run: the same program, parameters and seed give the same id. */
    public String workflowId() {
        if (workflowIdOverride != null) return workflowIdOverride;
        return idWith("-" + plan.digest.substring(0, 12));
    }

    private String idWith(String digest) {
        String p = params.isEmpty() ? "" : "-" + Integer.toHexString(params.toString().hashCode());
        String name = java.nio.file.Path.of(plan.file.name()).getFileName().toString();
        return "baton-" + name.replaceAll("[^A-Za-z0-9._-]", "_") + digest + p
                + "-seed" + options.seed() + (options.faults().any() ? "-f" + Integer.toHexString(options.faults().toString().hashCode()) : "")
                + (partitions > 1 ? "-p" + partitions : "");
    }

    @Override
    public RunReport run() throws IOException {
        WorkflowServiceStubs service = connect();
        try {
            WorkflowClient client = client(service);
            // --fresh: end the old run before this worker polls — a task of it still waiting (its
            // worker died) would otherwise run here and publish that run's events as well
            if (fresh) terminateOldRun(client);
            if (!hostWorker) return runOn(client);
            HandOver handOver = new HandOver();
            WorkerFactory factory = startWorker(client, taskQueue, options.bus() == dev.baton.runtime.EventBus.NONE ? null : new BatonEffectsImpl(options.bus()),
                    hotStore, handOver);
            // stopped (Ctrl-C, SIGTERM) while it waits, this process hands the run over as 'baton worker' does
            Serving here = new Serving(service, client, factory, handOver, options.clock());
            serving = here;
            Thread stop = new Thread(here::close, "baton-run-stop");
            Runtime.getRuntime().addShutdownHook(stop);
            boolean ended = false;
            try {
                RunReport report = runOn(client);
                ended = true;
                return report;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(stop);
                } catch (IllegalStateException stopping) {
                    // the hook is running
                }
                // a hand-over under way (a signal, Ctrl-C) needs the connection until it is done; a run
                // that goes on without this process (a deploy refused, the connection lost) is handed over
                // too, or its next task would wait on this worker's queue for good
                if (here.closing() || !ended) here.close();
                factory.shutdownNow();
            }
        } finally {
            service.shutdownNow();
        }
    }

    /** This process's worker while {@link #run} hosts one (null before and without). */
    private volatile Serving serving;

    /**
     * Hands the run over and stops this process's worker (as Ctrl-C does), so that another process
     * can serve the run at once — on Temporal's test server too, which never moves a stopped
     * worker's tasks; {@link #run} then goes on until its thread is interrupted. Nothing without a worker here.
     */
    public void stopServing() {
        Serving s = serving;
        if (s != null) s.close();
    }

    /** Starts a worker for Baton runs on {@code taskQueue}; {@code effects} publishes their emitted events (null: none registered). */
    private static WorkerFactory startWorker(WorkflowClient client, String taskQueue, BatonEffects effects, dev.baton.runtime.HotStore hot,
                                             HandOver handOver) {
        WorkerFactory factory = WorkerFactory.newInstance(client);
        Worker worker = factory.newWorker(taskQueue, WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(10_000).build());
        worker.registerWorkflowImplementationFactory(BatonRunWorkflow.class, () -> new BatonRunWorkflowImpl(handOver));
        worker.registerWorkflowImplementationFactory(BatonChildWorkflow.class, () -> new BatonChildWorkflowImpl(handOver));
        if (effects != null) worker.registerActivitiesImplementations(effects);
        if (hot != null) worker.registerActivitiesImplementations(new BatonHotImpl(hot));
        worker.registerActivitiesImplementations(new BatonAskImpl());
        factory.start();
        return factory;
    }

    /**
     * This process hosts no worker while it waits for the run ({@code baton run --no-worker}):
     * processes serving the task queue ({@link #serve}, {@code baton worker}) run its workflow, and
     * publish what it emits to their own event bus. Without one, the run waits.
     */
    public TemporalEngine withoutWorker() {
        this.hostWorker = false;
        return this;
    }

    private boolean hostWorker = true;
    private java.util.function.Consumer<String> notices;
    private Duration workerPatience = Duration.ofSeconds(10);

    /** Where to say that no worker has taken the run (with {@link #withoutWorker}), after {@code patience}. */
    public TemporalEngine withNotices(java.util.function.Consumer<String> notices, Duration patience) {
        this.notices = notices;
        this.workerPatience = patience;
        return this;
    }

    /**
     * Without a worker here, a run nobody serves waits silently: once {@code workerPatience} has
     * passed, says so if no workflow task of the run has started (from its history; Temporal's
     * test server does not describe task queues).
     */
    private Thread watchForAWorker(WorkflowClient client) {
        Thread t = new Thread(() -> {
            try {
                options.clock().sleepNanos(workerPatience.toNanos());
                boolean served = client.streamHistory(workflowId())
                        .anyMatch(e -> e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
                if (!served) {
                    notices.accept("no worker has taken the run in " + workerPatience.toSeconds() + " s: start 'baton worker --temporal " + target
                            + (taskQueue.equals(TASK_QUEUE) ? "" : " --temporal-task-queue " + taskQueue) + "' (the run waits for one)");
                }
            } catch (InterruptedException | RuntimeException doneOrGone) {
                // the run ended, or its history cannot be read: nothing to say
            }
        }, "baton-worker-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A worker serving Baton runs ({@link #serve}); {@link #close} stops it after the tasks in hand. */
    public static final class Serving implements AutoCloseable {
        private final WorkflowServiceStubs service;
        private final WorkflowClient client;
        private final WorkerFactory factory;
        private final HandOver handOver;
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        /** Completes when the first {@link #close} is done: a later caller waits for it instead of going on at once. */
        private final java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();

        /** Paces the looks at the runs' histories during a hand-over. */
        private final dev.baton.runtime.Clock clock;

        private Serving(WorkflowServiceStubs service, WorkflowClient client, WorkerFactory factory, HandOver handOver, dev.baton.runtime.Clock clock) {
            this.clock = clock;
            this.service = service;
            this.client = client;
            this.factory = factory;
            this.handOver = handOver;
        }

        /**
         * Hands the runs this worker served over to the others ({@link HandOver}: each woken, its
         * next workflow task failed here and so retried on the shared queue; up to 10 s), then stops
         * polling, lets the tasks and publications in hand finish (up to 30 s) and disconnects.
         * Called again while the first call is under way (a JVM runs its shutdown hooks at the same
         * time: {@code baton serve}'s and this run's), it waits for that call to end — a caller that
         * went on would shut the connection down under the hand-over, and the runs would be left on
         * this worker's queue.
         */
        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                awaitClosed();
                return;
            }
            try {
                handOver();
            } finally {
                done.complete(null);
            }
        }

        /** True once {@link #close} has begun. */
        boolean closing() {
            return closed.get();
        }

        /** Waits (up to a minute: the hand-over's and the worker's own bounds) for the first {@link #close} to end. */
        void awaitClosed() {
            try {
                done.get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // closing failed or hangs: nothing more to wait for
            }
        }

        private void handOver() {
            handOver.stop();
            java.util.Map<String, Long> waiting = new java.util.HashMap<>(); // run → its history length before the signal
            for (String id : handOver.served()) {
                try {
                    long from = client.fetchHistory(id).getEvents().size();
                    client.newWorkflowStub(BatonRunWorkflow.class, id).handOver();
                    waiting.put(id, from);
                } catch (RuntimeException finished) {
                    // nothing to hand over
                }
            }
            for (int look = 0; look < 200 && !waiting.isEmpty(); look++) { // 200 looks, 50 ms apart: 10 s at most
                waiting.entrySet().removeIf(w -> handedOver(w.getKey(), w.getValue()));
                if (!waiting.isEmpty()) {
                    try {
                        clock.sleepNanos(50_000_000L);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            factory.shutdown();
            factory.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            service.shutdown();
        }

        /**
         * True once, after its first {@code from} history events, a workflow task of the run failed
         * (here: handed over) or started on another worker, or the run has ended.
         */
        private boolean handedOver(String workflowId, long from) {
            try {
                if (client.newUntypedWorkflowStub(workflowId).describe().getStatus()
                        != io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) return true;
                String me = client.getOptions().getIdentity();
                return client.streamHistory(workflowId).skip(from).anyMatch(e ->
                        e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
                                || (e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
                                && !e.getWorkflowTaskStartedEventAttributes().getIdentity().equals(me)));
            } catch (RuntimeException gone) {
                return true;
            }
        }
    }

    /**
     * Serves Baton runs on {@code taskQueue} ({@code baton worker}) until closed: any run whose
     * workflow is scheduled there — started by {@code baton run --no-worker} or by any other
     * {@code baton run} — is executed here. Its emitted events go to {@code bus}; with
     * {@link dev.baton.runtime.EventBus#NONE} they go nowhere, as on the embedded engine without
     * an event log (give every worker of a queue the same bus). Every process of a run needs the
     * same {@code blobs} (null: none).
     *
     * @throws IOException when no Temporal frontend answers at {@code target}
     * @throws IllegalArgumentException for a task queue name Temporal would refuse
     */
    public static Serving serve(String target, String namespace, TemporalTls tls, String taskQueue, BlobStore blobs,
                                dev.baton.runtime.EventBus bus, dev.baton.runtime.HotStore hot) throws IOException {
        checkTaskQueue(taskQueue);
        WorkflowServiceStubs service = connect(target, tls);
        WorkflowClient client = client(service, namespace, blobs, DEFAULT_OFFLOAD_ABOVE);
        HandOver handOver = new HandOver();
        return new Serving(service, client, startWorker(client, taskQueue, new BatonEffectsImpl(bus), hot, handOver), handOver,
                dev.baton.runtime.Clock.SYSTEM);
    }

    /**
     * Calls an endpoint of this run: a {@code /return} endpoint as the query {@code query} (answered
     * from a copy of the run's state, nothing recorded) unless {@code record}, any other as the
     * update {@code execute} with update id {@code caller} (recorded; the same caller again gets
     * the first answer). A worker must be serving the run — a {@code baton run … --engine temporal}
     * process or a {@code baton worker}; this one hosts none, so that it never runs the workflow without their event bus.
     *
     * @return the answer, {@code {"target": …, "ok": true, "value": …}} or {@code {…, "ok": false, "failure": "…"}}
     * @throws IllegalArgumentException when the call does not fit the program (checked here first)
     * @throws IOException when Temporal or the run cannot be reached, or no worker answers within {@code wait}
     */
    public String callEndpoint(String target, String argsJson, String caller, boolean record, Duration wait) throws IOException {
        dev.baton.runtime.EndpointCall call = dev.baton.runtime.EndpointCall.parse(plan, target, argsJson);
        WorkflowServiceStubs service = connect();
        try {
            WorkflowClient client = client(service);
            WorkflowStub run = client.newUntypedWorkflowStub(workflowId());
            EndpointRequest request = new EndpointRequest(target, argsJson, caller);
            java.util.concurrent.CompletableFuture<String> answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                if (call.query() && !record) return run.query("query", String.class, request);
                return run.startUpdate(io.temporal.client.UpdateOptions.newBuilder(String.class).setUpdateName("execute").setUpdateId(caller)
                        .setWaitForStage(io.temporal.client.WorkflowUpdateStage.COMPLETED).build(), request).getResult();
            });
            try {
                return answer.get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                answer.cancel(true);
                throw new IOException("no worker answered within " + wait.toSeconds() + " s: is 'baton run " + plan.file.name()
                        + " --engine temporal' running for this run (same parameters and seed), or a 'baton worker' on its task queue?");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof io.temporal.client.WorkflowNotFoundException) {
                    // no run at all, or one that has finished (an update finds no running workflow)
                    try {
                        var status = run.describe().getStatus();
                        throw new IOException("the run " + workflowId() + " has finished (" + status.name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase()
                                + "): its endpoints take no more commands");
                    } catch (io.temporal.client.WorkflowNotFoundException | io.grpc.StatusRuntimeException none) {
                        // not there: said below
                    }
                }
                throw new IOException(callProblem(e.getCause()));
            }
        } finally {
            service.shutdownNow();
        }
    }

    /**
     * A connection to this run's workflow for a process that serves it to others ({@code baton serve
     * --engine temporal}): its endpoints, workflow commands and reads, each a blocking call. Close it when done.
     *
     * @throws IOException when no Temporal frontend answers
     */
    public Live live() throws IOException {
        WorkflowServiceStubs service = connect();
        WorkflowClient client = client(service);
        return new Live(service, client, client.newUntypedWorkflowStub(workflowId()));
    }

    /** See {@link #live}. Each method throws {@link IOException} with the reason in words when the run does not answer. */
    public final class Live implements AutoCloseable {
        private final WorkflowServiceStubs service;
        private final WorkflowClient client;
        private final WorkflowStub run;

        private Live(WorkflowServiceStubs service, WorkflowClient client, WorkflowStub run) {
            this.service = service;
            this.client = client;
            this.run = run;
        }

        /** An endpoint as the update {@code execute} (id {@code updateId}: the same id again gets the first answer); see {@link #callEndpoint}. */
        public String execute(String target, String argsJson, String updateId) throws IOException {
            return update("execute", new EndpointRequest(target, argsJson, updateId), updateId);
        }

        /** A {@code /return} endpoint as the query {@code query}. */
        public String query(String target, String argsJson) throws IOException {
            return ask("query", new EndpointRequest(target, argsJson, null));
        }

        /**
         * A new version of the program as the update {@code deploy}: the run moves to it at its next
         * continue-as-new; the answer says what moved, or why it could not ({@code BatonRunWorkflow#deploy}).
         * The update's id is the text's SHA-256: the same text sent again to the same run gets the first answer.
         */
        public String deploy(String source) throws IOException {
            return update("deploy", source, "deploy:" + sha256(source));
        }

        /** A workflow start or cancel as the update {@code command}. */
        public String command(WorkflowCommand command, String updateId) throws IOException {
            return update("command", command, updateId);
        }

        /** A read ({@code dev.baton.runtime.Inspect.Request} as JSON) as the query {@code inspect}; "null" when the run has no such thing. */
        public String inspect(String readJson) throws IOException {
            return ask("inspect", readJson);
        }

        /** The inbox positions the run has (the query {@code positions}). */
        @SuppressWarnings("unchecked")
        public Map<String, Long> positions() throws IOException {
            try {
                return run.query("positions", Map.class);
            } catch (RuntimeException e) {
                throw new IOException(callProblem(e));
            }
        }

        private String ask(String query, Object arg) throws IOException {
            try {
                return run.query(query, String.class, arg);
            } catch (RuntimeException e) {
                throw new IOException(callProblem(e));
            }
        }

        private String update(String name, Object arg, String updateId) throws IOException {
            try {
                return TemporalEngine.update(options.clock(), client, workflowId(), name, arg, updateId);
            } catch (RuntimeException e) {
                throw new IOException(callProblem(e));
            }
        }

        @Override
        public void close() {
            service.shutdownNow();
        }
    }

    /**
     * The earlier version's run ({@link #withPreviousRun}): ended with {@code fresh}; still going,
     * this version is deployed into it (the update waits for its next continue-as-new) and the run
     * attaches to it; ended, it is left as it is.
     */
    @SuppressWarnings("unchecked")
    private void takePreviousRun(WorkflowClient client) throws IOException {
        WorkflowStub prev = client.newUntypedWorkflowStub(previousRun);
        io.temporal.api.enums.v1.WorkflowExecutionStatus status;
        try {
            status = prev.describe().getStatus();
        } catch (RuntimeException gone) {
            return; // no such run any more (the server's retention ended it)
        }
        if (status != io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
            previousRunNote = "the run " + previousRun + " of an earlier version has ended; this version starts a run of its own";
            return;
        }
        if (fresh) {
            prev.terminate("baton run --fresh");
            previousRunNote = "ended the run " + previousRun + " of an earlier version (--fresh)";
            return;
        }
        String source = plan.file.text();
        Map<String, Object> answer;
        try {
            answer = JSON.readValue(update(options.clock(), client, previousRun, "deploy", source, "deploy:" + sha256(source)), Map.class);
        } catch (RuntimeException e) {
            throw new IOException("the run " + previousRun + " on Temporal did not take this version of " + plan.file.name() + ": " + callProblem(e));
        }
        if (answer.get("invalid") instanceof java.util.List<?> invalid) {
            throw new IOException("the run " + previousRun + " on Temporal refused this version of " + plan.file.name() + " as invalid: "
                    + String.join("; ", invalid.stream().map(String::valueOf).toList()) + "; nothing moved");
        }
        if (answer.get("refused") instanceof java.util.List<?> refused) {
            throw new IOException("the run " + previousRun + " on Temporal cannot move from version " + answer.get("from") + " to version "
                    + answer.get("to") + ", so nothing moved (it goes on under the program it runs): "
                    + String.join("; ", refused.stream().map(String::valueOf).toList()));
        }
        workflowIdOverride = previousRun;
        previousRunNote = Boolean.TRUE.equals(answer.get("moved"))
                ? "moved the run " + previousRun + " from version " + answer.get("from") + " to version " + answer.get("to") + ": "
                        + answer.get("instances") + " instance(s), " + answer.get("suspended") + " suspended fiber(s)"
                : "the run " + previousRun + " goes on: " + answer.getOrDefault("why", "the same program");
    }

    /**
     * Sends the update {@code name} to the run's current execution and waits for its answer. The
     * update goes to that execution by its run id; when the server says it does not know the update
     * — the execution answered it and continued as new (a deploy does at once), or the update was
     * lost with a workflow task that failed or timed out (a stopped worker's) — the answer is looked
     * for in that execution's history, and when it is not there the update is sent again, with the
     * same id (an execution that has it answers it once), for up to a minute.
     */
    static String update(dev.baton.runtime.Clock clock, WorkflowClient client, String workflowId, String name, Object arg, String updateId) {
        WorkflowStub workflow = client.newUntypedWorkflowStub(workflowId);
        long deadline = clock.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
        for (int attempt = 1; ; attempt++) {
            String current = workflow.describe().getExecution().getRunId();
            WorkflowStub execution = client.newUntypedWorkflowStub(workflowId, java.util.Optional.of(current), java.util.Optional.empty());
            try {
                return execution.startUpdate(io.temporal.client.UpdateOptions.newBuilder(String.class).setUpdateName(name).setUpdateId(updateId)
                        .setWaitForStage(io.temporal.client.WorkflowUpdateStage.COMPLETED).build(), arg).getResult();
            } catch (io.temporal.client.WorkflowNotFoundException e) {
                // the execution may have answered it and ended since (a deploy continues as new at once), and
                // the server no longer says how: the answer is in that execution's history
                String recorded = answerIn(client, workflowId, current, updateId);
                if (recorded != null) return recorded;
                // not completed there: lost with a failed workflow task, or sent before the execution ended; sent
                // again with the same id (an execution that has it already answers it once)
                if (clock.nanoTime() > deadline || !running(workflow)) throw e;
                try {
                    clock.sleepNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(Math.min(1000, 50L * attempt)));
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * The answer the update {@code updateId} got in the execution {@code runId}, from its history;
     * null when that execution never completed it.
     *
     * @throws io.temporal.failure.ApplicationFailure the update's failure, when it failed there
     */
    private static String answerIn(WorkflowClient client, String workflowId, String runId, String updateId) {
        for (io.temporal.api.history.v1.HistoryEvent e : client.fetchHistory(workflowId, runId).getEvents()) {
            if (!e.hasWorkflowExecutionUpdateCompletedEventAttributes()) continue;
            var done = e.getWorkflowExecutionUpdateCompletedEventAttributes();
            if (!done.getMeta().getUpdateId().equals(updateId)) continue;
            if (done.getOutcome().hasFailure()) {
                var f = done.getOutcome().getFailure();
                throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(f.getMessage(),
                        f.hasApplicationFailureInfo() ? f.getApplicationFailureInfo().getType() : "UpdateFailed");
            }
            return client.getOptions().getDataConverter().fromPayloads(0, java.util.Optional.of(done.getOutcome().getSuccess()), String.class, String.class);
        }
        return null;
    }

    private static boolean running(WorkflowStub run) {
        try {
            return run.describe().getStatus() == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
        } catch (RuntimeException gone) {
            return false;
        }
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JVM has SHA-256
        }
    }

    /** What went wrong with a query or update, in words (the innermost message that says something). */
    private String callProblem(Throwable e) {
        if (e instanceof io.temporal.client.WorkflowNotFoundException) {
            return "no run " + workflowId() + " on Temporal at " + target + " (start it with 'baton run " + plan.file.name() + " --engine temporal')";
        }
        String message = e.getMessage();
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof io.temporal.failure.ApplicationFailure af) return af.getOriginalMessage();
            if (c.getMessage() != null && !c.getMessage().isBlank()) message = c.getMessage();
        }
        if (message != null && message.contains("workflow execution already completed")) return "the run " + workflowId() + " has finished";
        return message;
    }

    /** TLS, client certificate and API key for the connection (default: plain gRPC). */
    public TemporalEngine withTls(TemporalTls tls) {
        this.tls = tls;
        return this;
    }

    private WorkflowServiceStubs connect() throws IOException {
        return connect(target, tls);
    }

    private static WorkflowServiceStubs connect(String target, TemporalTls tls) throws IOException {
        WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(tls.apply(WorkflowServiceStubsOptions.newBuilder().setTarget(target)).build());
        try {
            service.healthCheck();
        } catch (RuntimeException e) {
            service.shutdownNow();
            throw new IOException("no Temporal frontend answered at " + target + (tls.enabled() ? " over TLS" : "") + whyNot(e));
        }
        return service;
    }

    /** The innermost cause of a failed connection, in words (e.g. a certificate that is not trusted). */
    private static String whyNot(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String m = root.getMessage();
        if (root == e || m == null || m.isBlank()) return "";
        return " (" + m + ")";
    }

    private WorkflowClient client(WorkflowServiceStubs service) {
        return client(service, namespace, blobs, offloadAbove);
    }

    private static WorkflowClient client(WorkflowServiceStubs service, String namespace, BlobStore blobs, int offloadAbove) {
        return WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace(namespace)
                .setDataConverter(new CodecDataConverter(DefaultDataConverter.newDefaultInstance(),
                        java.util.List.of(new LargePayloadCodec(blobs, offloadAbove))))
                .build());
    }

    private void terminateOldRun(WorkflowClient client) {
        // the run's other partitions too: they outlive the first (abandoned child workflows)
        for (int k = 0; k < partitions; k++) {
            try {
                client.newUntypedWorkflowStub(k == 0 ? workflowId() : workflowId() + "#p" + k).terminate("baton run --fresh");
            } catch (RuntimeException noneRunning) {
                // never started, or already closed
            }
        }
    }

    private RunReport runOn(WorkflowClient client) throws IOException {
        RunInput in = new RunInput();
        in.file = plan.file.name();
        in.source = plan.file.text();
        in.params = params;
        in.seed = options.seed();
        in.faults = options.faults().toString();
        in.durationMs = options.duration() == null ? 0 : options.duration().toMillis();
        in.tasksPerRun = tasksPerRun;
        if (options.decisions() instanceof dev.baton.ai.Providers p) in.ai = new java.util.LinkedHashMap<>(p.overrides());
        in.inbox = inbox != null;
        // without a worker here, the workers serving the queue publish (to their bus, if they have one)
        in.publishEvents = !hostWorker || options.bus() != dev.baton.runtime.EventBus.NONE;
        in.maxInlineBytes = blobs == null ? maxPayload : 0;
        in.maxRunAgeMs = blobs == null ? 0 : maxRunAgeMs;
        in.historyEventsLimit = historyEventsLimit;
        in.maxChildren = maxChildren == 0 ? RunInput.NO_CHILDREN : maxChildren;
        in.hotModules = new java.util.ArrayList<>(hotModules());
        if (partitions > 1) {
            if (inbox != null) throw new IOException("--events with partitions is not supported yet: external events reach only the run's first partition");
            in.partitions = partitions;
            in.split = new java.util.ArrayList<>(plan.split);
        }
        if (previousRun != null && !previousRun.equals(workflowId())) takePreviousRun(client);
        WorkflowOptions wo = WorkflowOptions.newBuilder().setTaskQueue(taskQueue).setWorkflowId(workflowId())
                .setWorkflowIdReusePolicy(fresh ? WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
                        : WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .setWorkflowTaskTimeout(Duration.ofSeconds(10)) // tasks are short (the workflow yields); a dead worker's task is retried sooner
                .build();
        BatonRunWorkflow stub = client.newWorkflowStub(BatonRunWorkflow.class, wo);
        try {
            WorkflowClient.start(stub::run, in);
        } catch (WorkflowExecutionAlreadyStarted already) {
            // the same run: still going (we help), or finished (its report again)
        }
        if (onStarted != null) onStarted.accept(workflowId(), previousRunNote);
        WorkflowStub untyped = client.newUntypedWorkflowStub(workflowId());
        String json;
        Thread watch = hostWorker || notices == null ? null : watchForAWorker(client);
        try {
            if (inbox != null || options.state() != null) feed(client, untyped);
            json = untyped.getResult(String.class);
        } catch (WorkflowFailedException e) {
            Throwable cause = e.getCause();
            throw new IOException("the run's workflow " + workflowId() + " failed: " + (cause == null ? e.getMessage() : cause.getMessage()));
        }
        if (watch != null) watch.interrupt();
        RunReport report = JSON.readValue(json, RunReport.class);
        if (options.state() != null) options.state().globals(report.engineTimeMs(), unpublished(report.globals()), true);
        return report;
    }

    /** JSON of each global as last published to the state observer. */
    private final Map<String, String> published = new LinkedHashMap<>();
    private long lastStatePoll;

    /** Publishes the run's globals (queried) to the state observer, at most every 200 ms of wall time. */
    @SuppressWarnings("unchecked")
    private void pollState(BatonRunWorkflow run) {
        if (options.state() == null || options.clock().nanoTime() - lastStatePoll < 200_000_000L) return;
        lastStatePoll = options.clock().nanoTime();
        Map<String, Object> snapshot;
        try {
            snapshot = JSON.readValue(run.globals(), Map.class);
        } catch (RuntimeException | IOException notReady) {
            return;
        }
        Map<String, Object> changed = unpublished((Map<String, Object>) snapshot.get("globals"));
        if (!changed.isEmpty()) options.state().globals(((Number) snapshot.get("time")).longValue(), changed, false);
    }

    /** The globals whose JSON differs from what was last published, now counted as published. */
    private Map<String, Object> unpublished(Map<String, Object> globals) {
        Map<String, Object> changed = new LinkedHashMap<>();
        globals.forEach((k, v) -> {
            String text = dev.baton.runtime.Json.write(v);
            if (!text.equals(published.put(k, text))) changed.put(k, v);
        });
        return changed;
    }

    /**
     * Until the run ends: signals the inbox's events to it (and that the inbox closed, when it
     * does), and publishes its globals to the state observer.
     */
    private void feed(WorkflowClient client, WorkflowStub untyped) throws IOException {
        BatonRunWorkflow run = client.newWorkflowStub(BatonRunWorkflow.class, workflowId());
        java.util.concurrent.CompletableFuture<String> result = untyped.getResultAsync(String.class);
        Map<String, Long> positions = null;
        long deadline = options.clock().nanoTime() + Duration.ofSeconds(60).toNanos();
        while (positions == null) {
            try {
                positions = run.positions();
            } catch (RuntimeException notReadyYet) {
                if (result.isDone()) return;
                if (options.clock().nanoTime() > deadline) throw new IOException("the run's workflow " + workflowId() + " does not answer queries within 60 s"
                        + " (on Temporal's test server, a waiting run whose worker was killed stays on that worker's sticky queue:"
                        + " see docs/operations.md)");
                sleep(100);
            }
        }
        if (inbox == null) {
            while (!result.isDone() && !chainEnded(client)) {
                pollState(run);
                sleep(50);
            }
            return;
        }
        inbox.resume(positions);
        // what this process has sent, on top of what the run had when it attached: enough to refuse
        // what would exceed a producer's gaps before it is acknowledged (the run itself applies
        // whatever it is sent, since it was acknowledged)
        dev.baton.runtime.internal.exec.InboxPositions sent = new dev.baton.runtime.internal.exec.InboxPositions();
        positions.forEach((source, last) -> {
            if (last >= 0) sent.apply(source, last);
        });
        boolean closedSent = false;
        SignalBatcher batcher = new SignalBatcher(signalIntervalMs * 1_000_000L, Math.min(SIGNAL_MAX_BYTES, maxPayload / 2), SIGNAL_MAX_EVENTS);
        while (!result.isDone() && !chainEnded(client)) {
            pollState(run);
            java.util.List<dev.baton.runtime.Inbox.Item> items = inbox.poll();
            for (dev.baton.runtime.Inbox.Item item : items) {
                String problem = dev.baton.runtime.internal.journal.Durability.validate(plan, item);
                if (problem == null) {
                    dev.baton.runtime.internal.exec.InboxPositions.Batch judged = sent.batch();
                    if (judged.take(item.source(), item.seq()) == dev.baton.runtime.internal.exec.InboxPositions.Verdict.REFUSED) {
                        problem = judged.why();
                    }
                }
                if (problem != null) {
                    inbox.acknowledge(item, problem);
                    continue;
                }
                try {
                    signal(run, batcher, batcher.add(item));
                    sent.apply(item.source(), item.seq());
                } catch (IllegalArgumentException tooLarge) {
                    inbox.acknowledge(item, tooLarge.getMessage());
                }
            }
            if (inbox.closed() && inbox.failure() != null) {
                signal(run, batcher, batcher.due(options.clock().nanoTime(), true));
                throw new IOException(inbox.failure() + "; the run goes on waiting on Temporal for events: run the same command again to"
                        + " attach to it, and resend from after the last 'ack'");
            }
            // the end of the input closes the run's inbox — unless this process is being stopped: Ctrl-C in a
            // pipeline ends the producer as well, and a stopped process's input ends with it, but the run is
            // kept, still open, for the same command to resume. The end is taken once it has lasted a moment
            // without a stop beginning (a signal and the end of input come together, in either order).
            if (!closedSent && inbox.closed() && endOfInputAt == 0) endOfInputAt = options.clock().nanoTime();
            boolean stopping = serving != null && serving.closing();
            boolean closing = !closedSent && inbox.closed() && !stopping && options.clock().nanoTime() - endOfInputAt >= END_OF_INPUT_GRACE_NANOS;
            signal(run, batcher, batcher.due(options.clock().nanoTime(), closing));
            if (closing) {
                run.inboxClosed();
                closedSent = true;
            }
            if (items.isEmpty()) sleep(20);
        }
    }

    private long lastEndCheck;

    /**
     * True when the run's workflow has ended (asked of the server at most once a second): the
     * result's long poll can miss the end of a chain of runs (seen on the test server after a run
     * continued as new), and the caller then asks for the result afresh.
     */
    private boolean chainEnded(WorkflowClient client) {
        long now = options.clock().nanoTime();
        if (now - lastEndCheck < 1_000_000_000L) return false;
        lastEndCheck = now;
        try {
            io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse d = client.getWorkflowServiceStubs().blockingStub()
                    .describeWorkflowExecution(io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                            .setNamespace(client.getOptions().getNamespace())
                            .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(workflowId())).build());
            // not RUNNING nor CONTINUED_AS_NEW (the test server may show a chain's previous run for a moment as its latest)
            io.temporal.api.enums.v1.WorkflowExecutionStatus st = d.getWorkflowExecutionInfo().getStatus();
            return st == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED
                    || st == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED
                    || st == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED
                    || st == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED
                    || st == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
        } catch (RuntimeException notNow) {
            return false; // the server is away: the result's poll, or a later look, will tell
        }
    }

    /** When the inbox's input ended (0: not yet), and how long that must last before the run is told. */
    private long endOfInputAt;
    private static final long END_OF_INPUT_GRACE_NANOS = 300_000_000L;

    /** Sends a batch (if any) as one signal and acknowledges its events: Temporal has them. */
    private void signal(BatonRunWorkflow run, SignalBatcher batcher, SignalBatcher.Batch batch) {
        if (batch == null) return;
        run.events(batch.items());
        batcher.sent(options.clock().nanoTime());
        for (dev.baton.runtime.Inbox.Item i : batch.sources()) inbox.acknowledge(i, null);
    }

    private void sleep(long ms) throws IOException {
        try {
            options.clock().sleepNanos(ms * 1_000_000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
