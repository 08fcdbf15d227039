package dev.baton.temporal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.EndpointCall;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Faults;
import dev.baton.runtime.RunDriver;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.plan.Plan;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * The generic run workflow: it interprets the plan with the same deterministic core as the
 * embedded engine, so Temporal's replay of its history reproduces the run exactly.
 *
 * <ul>
 *   <li><b>Work in short tasks.</b> Engine time advances slice by slice; after at most
 *       {@value #EVENTS_PER_TASK} emitted events or {@value #SLICES_PER_TASK} slices the
 *       workflow yields (a 1 ms timer), so no workflow task runs long — decided by engine
 *       counters only, never by a clock, so replay yields at the same points.</li>
 *   <li><b>Bounded history.</b> Every {@code tasksPerRun} tasks (100 by default) the workflow continues as
 *       new, carrying the engine's snapshot (deflated) and the settle window; the next run
 *       restores it and goes on — a snapshot restore continues identically.</li>
 *   <li><b>Crash safety is Temporal's.</b> A worker killed mid-run loses nothing: another worker
 *       replays the history (or the latest continue-as-new input) to the same state.</li>
 * </ul>
 */
public final class BatonRunWorkflowImpl implements BatonRunWorkflow {
    static final long EVENTS_PER_TASK = 200_000;
    static final int SLICES_PER_TASK = 50;
    /**
     * Emitted events go to the publishing local activity in batches of at most this many. Its
     * arguments are kept out of the history (only a small marker per batch is recorded), so a
     * run that emits millions of events neither yields nor continues as new more often for it.
     */
    static final int EMITTED_PER_BATCH = 20_000;
    /**
     * A run that cannot continue as new (its snapshot is above the payload limit and no blob store
     * takes it) fails before its history reaches Temporal's default limits (51,200 events, 50 MB),
     * with a message that says what to do, rather than being terminated by the server.
     */
    static final long HISTORY_EVENTS_LIMIT = 40_000;  // RunInput#historyEventsLimit's default
    static final long HISTORY_BYTES_LIMIT = 40L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Changes to what the workflow does, by {@code Workflow.getVersion} change id, so that a run a
     * worker of an earlier build recorded replays on this one (a worker upgraded mid-run takes it
     * over). Histories recorded by earlier builds are replayed by {@code ReplayCompatibilityTest}.
     * <ul>
     *   <li>{@value #STEP_TO_NEXT_TASK}, version 1: empty stretches of engine time are one step, and a
     *       run waiting for events sleeps on one timer until its next task (before: slice by slice,
     *       and a {@value #LEGACY_WAIT_MS} ms poll).</li>
     *   <li>{@value #RENEW_BLOBS}, version 1: with a blob store, a run continues as new once it is
     *       {@link RunInput#maxRunAgeMs} old, and waits no longer than that, so the blob holding its
     *       input is always recent enough to be there when a worker replays it.</li>
     *   <li>{@value #RUN_APART}, version 1: a {@code Run} of a self-contained workflow is a child
     *       workflow ({@link BatonChildWorkflow}); before, it ran inline in the run's core.</li>
     *   <li>{@value #PUBLISH_PROBLEMS}, version 1 (asked only by a run that publishes its events): the errors and
     *       failures the run records go to the publishing activity with its emitted events ({@link EmittedEvent#ERROR});
     *       before, they stayed in the run.</li>
     *   <li>{@value #HOT_MODULES}, version 1 (asked only by a run with {@link RunInput#hotModules}): calls
     *       to hot modules run in batches on the state store ({@link BatonHot}); before, every module
     *       lived in the run's core.</li>
     *   <li>{@value #CARRY_RETURNED_CHILDREN}, version 1 (asked when the run is due to continue as new):
     *       the outcomes of child workflows that have returned are put on the run's timeline at once
     *       (at the engine time each ended, as when the core reaches it), so that the run may continue
     *       as new while their ends lie ahead; before, a run apart held every continue-as-new until
     *       the run's engine time reached its end.</li>
     * </ul>
     */
    static final String CARRY_RETURNED_CHILDREN = "carry-returned-children";
    static final String STEP_TO_NEXT_TASK = "step-to-next-task";
    static final String RENEW_BLOBS = "renew-blobs";
    static final String RUN_APART = "run-apart";
    static final String HOT_MODULES = "hot-modules";
    static final String PUBLISH_PROBLEMS = "publish-problems";
    static final long LEGACY_WAIT_MS = 50;

    private String progress = "starting";
    /** Signalled events waiting for the next slice boundary. */
    private final java.util.List<SignalItem> pending = new java.util.ArrayList<>();
    private boolean inboxClosed;
    private Core core;
    /** The models of this run's AIs, with what their budgets have spent. */
    private ModelsOnTemporal models;
    /** Emitted events not yet handed to the publishing activity. */
    private final java.util.List<EmittedEvent> emitted = new java.util.ArrayList<>();
    private BatonEffects effects;
    private Plan plan;
    /** Calls from outside (updates) not yet handed to the core, and those handed and waiting for their reply. */
    private final java.util.List<OutsideRequest> queued = new java.util.ArrayList<>();
    private final java.util.List<OutsideRequest> open = new java.util.ArrayList<>();
    /** Workflow starts and cancels from outside (updates) not yet applied. */
    private final java.util.List<Command> commands = new java.util.ArrayList<>();
    /** New versions of the program from outside (the update {@code deploy}), taken at the next continue-as-new. */
    private final java.util.List<Deploy> deploys = new java.util.ArrayList<>();
    /** The run's decisions so far (this run of the chain and those before it). */
    private AsksKept asks;
    /** How many of {@link #deploys} have woken the run's wait already. */
    private int deploysSeen;
    private String finished;
    /** This worker's hand-over state (never set in a replayer or a worker that is not stopping). */
    private final HandOver handOver;
    /** A handOver signal came and the run has not looked at it yet. */
    private boolean wake;
    /** Runs the batches of calls to hot modules (null: the run keeps every module in its core). */
    private BatonHot hot;
    /** What goes to {@link #hot}: the run's program, seed and names on the store, with each batch's calls put in. */
    private HotBatch hotBatch;
    /**
     * The first batch to hot modules since the workflow last waited (-1: none yet): the batches from
     * it on may be sent again if this worker dies before its task is recorded, so the store keeps
     * their outcomes; those before it are in the history.
     */
    private long hotOldest = -1;
    /** What the other partitions of this run reported (partition 0 only), by index. */
    private final java.util.Map<String, String> partitionResults = new java.util.TreeMap<>();
    /** The engine times at which the other partitions' work settled (partition 0 only), by index. */
    private final java.util.Map<String, Long> partitionSettled = new java.util.TreeMap<>();
    /** In a partition other than the first: the engine time the run ends at, once the first has said (-1 until then). */
    private long stopAt = -1;
    /** The other partitions' workflows started by this run (not carried across continue-as-new). */
    private final java.util.List<io.temporal.workflow.Promise<String>> partitionRuns = new java.util.ArrayList<>();

    public BatonRunWorkflowImpl() {
        this(new HandOver());
    }

    BatonRunWorkflowImpl(HandOver handOver) {
        this.handOver = handOver;
    }

    /** A workflow start or cancel from an update, and its answer (JSON) once applied. */
    private static final class Command {
        final WorkflowCommand command;
        String answer;

        Command(WorkflowCommand command) {
            this.command = command;
        }
    }

    /** A new version of the program from an update, and its answer (JSON) once the run has moved to it, or refused. */
    private static final class Deploy {
        final String source;
        String answer;
        /** The update has returned its answer (the run continues as new only after). */
        boolean returned;

        Deploy(String source) {
            this.source = source;
        }
    }

    /** An endpoint call from an update: its handle in the core once sent, its reply once come. */
    private static final class OutsideRequest {
        final EndpointCall call;
        final String caller;
        long handle;
        Object reply;

        OutsideRequest(EndpointCall call, String caller) {
            this.call = call;
            this.caller = caller;
        }
    }

    /**
     * How long the run keeps trying a local activity whose attempts fail or time out (publishing its
     * events, a batch to its hot modules — both safe to repeat: at least once with the emissions'
     * numbers, and batches the store answers once) before the run fails saying so. A local activity
     * with neither a schedule-to-close timeout nor a number of attempts is not retried at all, so a
     * broker that stalls for one attempt's timeout would otherwise fail the whole run.
     */
    static final Duration LOCAL_ACTIVITY_PERSISTENCE = Duration.ofMinutes(10);

    /** Options of a local activity: each attempt bounded by {@code attempt}, retried with backoff for {@link #LOCAL_ACTIVITY_PERSISTENCE}. */
    static io.temporal.activity.LocalActivityOptions retried(Duration attempt) {
        return io.temporal.activity.LocalActivityOptions.newBuilder().setStartToCloseTimeout(attempt)
                .setScheduleToCloseTimeout(LOCAL_ACTIVITY_PERSISTENCE).setDoNotIncludeArgumentsIntoMarker(true)
                .setRetryOptions(io.temporal.common.RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(200)).setBackoffCoefficient(2)
                        .setMaximumInterval(Duration.ofSeconds(30)).build())
                .build();
    }

    @Override
    public String run(RunInput in) {
        try {
            return execute(in);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApplicationFailure af) throw af;
            throw ApplicationFailure.newNonRetryableFailure(String.valueOf(e.getMessage()), "BatonRunFailed");
        }
    }

    private String execute(RunInput in) throws IOException {
        handOver.serving(Workflow.getInfo().getWorkflowId());
        long startedAt = in.generation == 0 ? Workflow.currentTimeMillis() : in.startedAtMs;
        long runStarted = Workflow.currentTimeMillis();
        Plan plan = compile(in);
        Faults faults = Faults.parse(in.faults);
        models = new ModelsOnTemporal(in.aiSpent);
        EngineOptions options = EngineOptions.defaults().withSeed(in.seed).withFaults(faults)
                .withDuration(in.durationMs > 0 ? Duration.ofMillis(in.durationMs) : null)
                .withDecisions(asks = new AsksKept(new dev.baton.ai.Providers(in.ai == null ? java.util.Map.of() : in.ai, models), in.asks, in.askCount));
        this.plan = plan;
        pending.addAll(in.pending);
        inboxClosed |= in.inboxClosed;
        if (in.snapshot == null) {
            core = new Core(plan, in.seed, faults, options.decisions());
            core.start();
        } else {
            byte[] bytes = Base64.getDecoder().decode(in.snapshot);
            try (DataInputStream data = new DataInputStream(new InflaterInputStream(new ByteArrayInputStream(bytes)))) {
                core = CoreCodec.read(plan, faults, options.decisions(), data, java.util.Set.of(), digest -> {
                    String text = in.earlierSources == null ? null : in.earlierSources.get(digest);
                    return text == null ? null : compile(in.file, text, in.params);
                });
            }
        }
        if (in.publishEvents) {
            effects = Workflow.newLocalActivityStub(BatonEffects.class, retried(Duration.ofSeconds(30)));
            core.setBus(new dev.baton.runtime.EventBus() {
                @Override
                public void publish(long time, String event, Object payload) {
                    publish(time, 0, event, payload);
                }

                @Override
                public void publish(long time, long seq, String event, Object payload) {
                    emitted.add(new EmittedEvent(time, seq, event, dev.baton.runtime.Json.write(dev.baton.runtime.Json.toPlain(payload))));
                }
            });
        }
        if (in.publishEvents && Workflow.getVersion(PUBLISH_PROBLEMS, Workflow.DEFAULT_VERSION, 1) >= 1) {
            // the errors and failures the run records leave with its emitted events, for a bus that shows them
            core.setErrorListener((ordinal, error, declared) -> emitted.add(new EmittedEvent(error.time(), ordinal,
                    declared ? EmittedEvent.FAILURE : EmittedEvent.ERROR, dev.baton.runtime.Json.write(java.util.Map.of("position", error.position(),
                    "owner", error.owner(), "message", error.message())))));
        }
        RunDriver driver = new RunDriver(plan, options, core);
        if (in.snapshot != null) driver.restoreSettle(new long[] {in.settledSince, in.settledCommands});
        // self-contained workflows run as child workflows (the run continues as new only when none is out:
        // a known outcome is in the snapshot, a promise could not be)
        ChildInput template = new ChildInput();
        template.file = in.file;
        template.source = in.source;
        template.params = in.params;
        template.faults = in.faults;
        template.ai = in.ai;
        template.runId = Workflow.getInfo().getWorkflowId();
        template.limitMs = driver.limit();
        template.maxChildren = in.maxChildren;
        template.historyRoom = in.maxChildren > 0 ? in.historyEventsLimit / 2 : 0;
        ChildWorkflows children = new ChildWorkflows(template, core);
        core.setRunner(children);
        if (Workflow.getVersion(RUN_APART, Workflow.DEFAULT_VERSION, 1) < 1) core.runAllInline();
        String hotRun = in.hotRun;
        if (in.hotModules != null && !in.hotModules.isEmpty() && Workflow.getVersion(HOT_MODULES, Workflow.DEFAULT_VERSION, 1) >= 1) {
            // the run's hot modules live on the state store, under a name the whole chain of runs keeps
            if (hotRun == null) hotRun = Workflow.getInfo().getWorkflowId() + "/" + Workflow.getInfo().getRunId();
            hot = Workflow.newLocalActivityStub(BatonHot.class, retried(Duration.ofSeconds(60)));
            hotBatch = new HotBatch();
            hotBatch.file = in.file;
            hotBatch.source = in.source;
            hotBatch.params = in.params;
            hotBatch.seed = in.seed;
            hotBatch.prefix = hotRun;
            hotBatch.writer = in.partitions > 1 ? hotRun + "#p" + in.partition : hotRun;
            hotBatch.modules = in.hotModules;
            core.setHot(batch -> null, in.hotModules);
        }
        partitionResults.putAll(in.partitionResults);
        partitionSettled.putAll(in.partitionSettled);
        if (in.partitions > 1) {
            core.setPartition(in.partition, in.partitions, in.split);
            if (in.partition == 0 && !in.partitionsStarted) startPartitions(in, hotRun);
        }
        boolean stepToNextTask = Workflow.getVersion(STEP_TO_NEXT_TASK, Workflow.DEFAULT_VERSION, 1) >= 1;
        // the run's end of life, for its input's blob (Long.MAX_VALUE: none)
        long renewAt = Workflow.getVersion(RENEW_BLOBS, Workflow.DEFAULT_VERSION, 1) >= 1 && in.maxRunAgeMs > 0
                ? runStarted + in.maxRunAgeMs : Long.MAX_VALUE;
        int tasks = 0;
        boolean tooLarge = false;
        int slices = 0;
        long eventsAtYield = core.stats().eventsEmitted;
        String reason;
        while (true) {
            handOver.check();
            applyPending(plan);
            sendRequests();
            applyCommands();
            boolean inboxOpen = in.inbox && !inboxClosed;
            reason = driver.stopReason(inboxOpen, in.inbox);
            if (reason != null) break;
            boolean yield;
            boolean paced = inboxOpen && open.isEmpty();
            long wallEngine = Workflow.currentTimeMillis() - startedAt;
            if (paced && core.now() >= wallEngine && !core.held()) {
                // with external events, engine time keeps to the workflow's clock (as the embedded engine
                // paces to the wall clock). Caught up: one durable timer to the next task (a Tick, a
                // Sleep, a timeout) or the end of the run, cut short by an event or a call
                long waitMs = stepToNextTask ? Math.max(1, driver.wakeTime() - wallEngine) : LEGACY_WAIT_MS;
                if (renewAt != Long.MAX_VALUE) waitMs = Math.max(1, Math.min(waitMs, renewAt - Workflow.currentTimeMillis()));
                // a deploy wakes the run once: one that must wait for the next continue-as-new (a child workflow
                // is out, say) must not end every wait at once — workflow time stands still within a task
                int deploysBefore = deploysSeen;
                waitFor(Duration.ofMillis(waitMs), () -> !pending.isEmpty() || inboxClosed || !queued.isEmpty() || !commands.isEmpty() || wake
                        || deploys.size() > deploysBefore);
                deploysSeen = deploys.size();
                wake = false;
                handOver.check();
                // bring engine time up to the clock before what woke the run is applied
                long woke = Workflow.currentTimeMillis() - startedAt;
                if (stepToNextTask && woke > core.now()) advance(driver.nextStepEnd(woke));
                yield = true;
            } else {
                advance(stepToNextTask ? driver.nextStepEnd(paced ? wallEngine : Long.MAX_VALUE) : driver.nextSliceEnd());
                slices++;
                boolean answered = takeReplies();
                if (core.held() && !children.takeReturned()) {
                    // engine time waits at a child workflow's start until it returns (or something comes in)
                    flushEmitted();
                    waitFor(null, () -> children.anyReturned() || !pending.isEmpty() || inboxClosed || !queued.isEmpty() || !commands.isEmpty() || wake);
                    wake = false;
                    handOver.check();
                }
                yield = answered || slices >= SLICES_PER_TASK || core.stats().eventsEmitted - eventsAtYield >= EVENTS_PER_TASK;
                if (yield) {
                    Workflow.sleep(Duration.ofMillis(1));
                    hotOldest = -1;
                    handOver.check();
                }
            }
            if (yield) {
                flushEmitted();
                progress = "engine time " + core.now() + " ms, " + core.stats().eventsEmitted + " events, run " + (in.generation + 1);
                slices = 0;
                eventsAtYield = core.stats().eventsEmitted;
                boolean due = ++tasks >= in.tasksPerRun || (!tooLarge && Workflow.getInfo().isContinueAsNewSuggested())
                        || Workflow.currentTimeMillis() >= renewAt || !deploys.isEmpty();
                // calls from outside are not part of a snapshot: continue as new once every one is answered
                if (due && core.detachedOut() && Workflow.getVersion(CARRY_RETURNED_CHILDREN, Workflow.DEFAULT_VERSION, 1) >= 1) {
                    core.settleReturnedRunsApart(); // asks ChildWorkflows.returned, which takes each returned child in
                }
                if (due && queued.isEmpty() && open.isEmpty() && commands.isEmpty() && !core.outsideCallsOpen() && !core.detachedOut()) {
                    applyPending(plan);
                    RunInput next = continuation(in, core, driver, startedAt);
                    if (!deploys.isEmpty()) {
                        // a new version is taken here: the run moves to it and the next run of the chain runs it
                        java.util.List<Deploy> answered = new java.util.ArrayList<>(deploys);
                        RunInput moved = takeDeploys(in, plan, next, driver, startedAt);
                        // the deploys' updates return before the run continues (only theirs: another update may wait for this loop)
                        Workflow.await(() -> answered.stream().allMatch(d -> d.returned));
                        if (moved != null) Workflow.continueAsNew(moved);
                    }
                    if (in.maxInlineBytes <= 0 || next.inlineBytes() <= in.maxInlineBytes) Workflow.continueAsNew(next);
                    // too large to carry without a blob store: go on in this run while its history has room
                    if (Workflow.getInfo().getHistoryLength() > in.historyEventsLimit || Workflow.getInfo().getHistorySize() > HISTORY_BYTES_LIMIT) {
                        throw ApplicationFailure.newNonRetryableFailure("the run's state (" + next.inlineBytes() / 1024 + " KiB) is larger than the "
                                + in.maxInlineBytes / 1024 + " KiB Temporal payload limit, so it cannot continue as new, and its history is full;"
                                + " give --state redis://HOST:PORT so that large payloads are kept in Redis", "PayloadTooLarge");
                    }
                    tooLarge = true; // try again after another tasksPerRun tasks: the state may have shrunk
                    tasks = 0;
                }
            }
        }
        finished = reason;
        takeReplies();
        if (in.partitions > 1 && in.partition > 0) reportToFirstPartition(in);
        if (in.partitions > 1 && in.partition == 0) gatherPartitions(in);
        for (OutsideRequest q : open) q.reply = new dev.baton.runtime.plan.CallFailure("the run stopped (" + reason + ") before " + q.call.target() + " replied");
        for (OutsideRequest q : queued) q.reply = new dev.baton.runtime.plan.CallFailure("the run stopped (" + reason + ") before " + q.call.target() + " was called");
        for (Command c : commands) c.answer = "{\"refused\": \"the run stopped (" + reason + ")\"}";
        Workflow.await(Workflow::isEveryHandlerFinished); // those updates answer before the workflow completes
        flushEmitted();
        long wallMs = Workflow.currentTimeMillis() - startedAt;
        RunReport report = driver.report("temporal", reason, wallMs, in.generation > 0);
        progress = "finished: " + reason;
        handOver.finished(Workflow.getInfo().getWorkflowId());
        return JSON.writeValueAsString(report);
    }

    /**
     * Waits until {@code until} holds (or {@code timeout}, when given, passes). When it does not hold
     * yet, the workflow task ends here and is recorded with every batch to hot modules before it, so
     * the store need keep only the outcomes of batches from now on.
     */
    private void waitFor(Duration timeout, java.util.function.Supplier<Boolean> until) {
        if (!until.get()) hotOldest = -1;
        if (timeout == null) Workflow.await(until::get);
        else Workflow.await(timeout, until::get);
    }

    /**
     * In a partition other than the first, once its work has settled: the run ends at one engine time
     * (when the last partition's work settled), so this one says when it settled, waits for the first
     * to say when the run ends, runs on to it (idle work only) and tells the first what it did.
     */
    private void reportToFirstPartition(RunInput in) {
        BatonRunWorkflow first = Workflow.newExternalWorkflowStub(BatonRunWorkflow.class, in.parentId);
        first.partitionSettled(in.partition, core.now());
        progress = "settled at engine time " + core.now() + " ms; waiting for the run's other partitions";
        waitFor(null, () -> stopAt >= 0);
        if (stopAt > core.now()) advance(stopAt);
        first.partitionDone(in.partition, Base64.getEncoder().encodeToString(core.partitionResult()));
    }

    /**
     * In the first partition, once its work has settled: waits for the others to settle, tells them
     * the engine time the run ends at (the latest), runs on to it, then takes in what each did and
     * the hot modules' final records, so the report is the whole run's.
     */
    private void gatherPartitions(RunInput in) {
        progress = "waiting for the run's other partitions to settle";
        waitFor(null, () -> partitionSettled.size() >= in.partitions - 1 || partitionFailed());
        failOnPartitionFailure(in);
        long end = core.now();
        for (long t : partitionSettled.values()) end = Math.max(end, t);
        if (end > core.now()) advance(end);
        for (int k = 1; k < in.partitions; k++) {
            Workflow.newExternalWorkflowStub(BatonRunWorkflow.class, Workflow.getInfo().getWorkflowId() + "#p" + k).stopAt(end);
        }
        progress = "waiting for the run's other partitions";
        waitFor(null, () -> partitionResults.size() >= in.partitions - 1 || partitionFailed());
        failOnPartitionFailure(in);
        for (String r : partitionResults.values()) core.absorbPartition(Base64.getDecoder().decode(r));
        if (hot != null) {
            hotBatch.calls = new byte[0];
            hot.records(hotBatch).forEach(core::hotRefresh);
        }
    }

    /**
     * Runs the core to {@code until}; each time it holds for a batch of calls to hot modules, runs
     * the batch on the store (a local activity: its outcomes are recorded, so a replay reads them
     * rather than running the batch again) and goes on.
     */
    private void advance(long until) {
        core.runUntil(until);
        while (core.heldOnHot()) {
            // the template's fields are copied into the activity's arguments when it is called
            hotBatch.calls = core.hotWaiting();
            if (hotOldest < 0) hotOldest = dev.baton.runtime.internal.exec.Hot.batchNumber(hotBatch.calls);
            hotBatch.oldest = hotOldest;
            core.hotTold(hot.run(hotBatch));
            core.runUntil(until);
        }
    }

    /**
     * Starts the run's other partitions as workflows {@code ID#p1} … (abandoned when this run
     * continues as new or ends: they report back by signal), sharing this run's hot modules.
     */
    private void startPartitions(RunInput in, String hotRun) {
        String id = Workflow.getInfo().getWorkflowId();
        java.util.List<io.temporal.workflow.Promise<io.temporal.api.common.v1.WorkflowExecution>> started = new java.util.ArrayList<>();
        for (int k = 1; k < in.partitions; k++) {
            RunInput p = sameRun(in);
            p.hotRun = hotRun;
            p.partition = k;
            p.parentId = id;
            BatonRunWorkflow child = Workflow.newChildWorkflowStub(BatonRunWorkflow.class, io.temporal.workflow.ChildWorkflowOptions.newBuilder()
                    .setWorkflowId(id + "#p" + k)
                    .setParentClosePolicy(io.temporal.api.enums.v1.ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                    .setWorkflowTaskTimeout(Duration.ofSeconds(10))
                    .build());
            partitionRuns.add(io.temporal.workflow.Async.function(child::run, p));
            started.add(Workflow.getWorkflowExecution(child));
        }
        for (io.temporal.workflow.Promise<?> s : started) s.get();
    }

    @Override
    public void partitionDone(int partition, String result) {
        partitionResults.put(Integer.toString(partition), result);
    }

    @Override
    public void partitionSettled(int partition, long engineTime) {
        partitionSettled.put(Integer.toString(partition), engineTime);
    }

    @Override
    public void stopAt(long engineTime) {
        stopAt = engineTime;
    }

    /** True when a partition this run started has failed (its result will never come). */
    private boolean partitionFailed() {
        return partitionRuns.stream().anyMatch(r -> r.isCompleted() && r.getFailure() != null);
    }

    private void failOnPartitionFailure(RunInput in) {
        for (io.temporal.workflow.Promise<String> r : partitionRuns) {
            if (partitionResults.size() < in.partitions - 1 && r.isCompleted() && r.getFailure() != null) {
                throw ApplicationFailure.newNonRetryableFailure("a partition of the run failed: " + r.getFailure().getMessage(), "PartitionFailed");
            }
        }
    }

    /** Hands the events emitted since the last call to the worker's bus (a local activity, recorded in the history). */
    private void flushEmitted() {
        if (effects == null || emitted.isEmpty()) return;
        java.util.List<EmittedEvent> batch = new java.util.ArrayList<>(emitted);
        emitted.clear();
        for (int i = 0; i < batch.size(); i += EMITTED_PER_BATCH) {
            effects.publish(new java.util.ArrayList<>(batch.subList(i, Math.min(batch.size(), i + EMITTED_PER_BATCH))));
        }
    }

    /** Applies the signalled events (each once: the core drops a source's old sequences). */
    private void applyPending(Plan plan) throws IOException {
        if (pending.isEmpty()) return;
        java.util.List<dev.baton.runtime.Inbox.Item> items = new java.util.ArrayList<>(pending.size());
        for (SignalItem i : pending) items.add(new dev.baton.runtime.Inbox.Item(i.source, i.seq, i.event, i.payload));
        pending.clear();
        // durable already: the signals are in the workflow's history
        dev.baton.runtime.internal.journal.Durability.applyDurableElsewhere(plan, core, items);
    }

    @Override
    public void events(java.util.List<SignalItem> items) {
        pending.addAll(items);
    }

    @Override
    public void handOver() {
        wake = true;
    }

    @Override
    public void inboxClosed() {
        inboxClosed = true;
    }

    @Override
    public java.util.Map<String, Long> positions() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>(core == null ? java.util.Map.of() : core.inboxPositions());
        for (SignalItem i : pending) out.merge(i.source, i.seq, Math::max);
        return out;
    }

    /**
     * Answers the deploys waiting (in the order they came: the history's) and returns the input
     * of the next run of the chain under the last version the run moved to — its snapshot the
     * moved core's ({@code Migrator}: all or nothing, every reason when refused) — or null when
     * none moved. {@code next} is the continuation under the current version.
     */
    private RunInput takeDeploys(RunInput in, Plan current, RunInput next, RunDriver driver, long startedAt) {
        RunInput moved = null;
        Plan from = current;
        Core at = core;
        for (Deploy d : deploys) {
            java.util.Map<String, Object> answer = new java.util.LinkedHashMap<>();
            Plan to;
            try {
                to = compile(in.file, d.source, in.params);
            } catch (ApplicationFailure e) {
                d.answer = refusal(answer, "invalid", e.getOriginalMessage());
                continue;
            }
            if (to.meaning.equals(from.meaning)) {
                answer.put("moved", false);
                answer.put("why", "the same program (comments and layout apart)");
                d.answer = dev.baton.runtime.Json.write(answer);
                continue;
            }
            if (in.partitions > 1) {
                d.answer = refusal(answer, "cannot-migrate", "a run spread over " + in.partitions + " partitions cannot move to a new version");
                continue;
            }
            dev.baton.runtime.internal.exec.Migrator.Outcome outcome;
            try {
                outcome = dev.baton.runtime.internal.exec.Migrator.migrate(at, to);
            } catch (dev.baton.runtime.internal.exec.Migrator.Refused refused) {
                answer.put("refused", refused.reasons);
                answer.put("from", from.version);
                answer.put("to", to.version);
                d.answer = dev.baton.runtime.Json.write(answer);
                continue;
            }
            RunInput candidate = continuation(in, outcome.core(), driver, startedAt);
            candidate.source = d.source;
            if (in.maxInlineBytes > 0 && candidate.inlineBytes() > in.maxInlineBytes) {
                d.answer = refusal(answer, "cannot-migrate", "the moved run's state (" + candidate.inlineBytes() / 1024 + " KiB) is larger than the "
                        + in.maxInlineBytes / 1024 + " KiB Temporal payload limit, so it cannot continue as new; give --state redis://HOST:PORT");
                continue;
            }
            answer.put("moved", true);
            answer.putAll(outcome.summary());
            answer.put("generation", next.generation);
            d.answer = dev.baton.runtime.Json.write(answer);
            moved = candidate;
            from = to;
            at = outcome.core();
        }
        deploys.clear();
        deploysSeen = 0;
        return moved;
    }

    private static String refusal(java.util.Map<String, Object> answer, String kind, String why) {
        answer.put(kind.equals("invalid") ? "invalid" : "refused", java.util.List.of(why));
        return dev.baton.runtime.Json.write(answer);
    }

    private RunInput continuation(RunInput in, Core core, RunDriver driver, long startedAt) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new DeflaterOutputStream(bytes))) {
            CoreCodec.write(core, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        RunInput next = sameRun(in);
        next.snapshot = Base64.getEncoder().encodeToString(bytes.toByteArray());
        long[] settle = driver.settleState();
        next.settledSince = settle[0];
        next.settledCommands = settle[1];
        next.startedAtMs = startedAt;
        next.inbox = in.inbox;
        next.inboxClosed = inboxClosed;
        next.pending = new java.util.ArrayList<>(pending);
        next.generation = in.generation + 1;
        next.aiSpent = models.spentForNext();
        next.asks = asks.keptForNext();
        next.askCount = asks.askedCount();
        for (dev.baton.runtime.internal.exec.Detached d : core.detachedRuns()) {
            Plan under = d.pinnedPlan();
            if (under != null && under != core.plan()) next.earlierSources.put(under.digest, under.file.text());
        }
        next.partition = in.partition;
        next.parentId = in.parentId;
        next.partitionsStarted = in.partitionsStarted || in.partitions > 1 && in.partition == 0;
        next.partitionResults = new java.util.TreeMap<>(partitionResults);
        next.partitionSettled = new java.util.TreeMap<>(partitionSettled);
        next.hotRun = hotBatch == null ? in.hotRun : hotBatch.prefix;
        return next;
    }

    /** A new input for the same run: its program, settings, hot modules and partitioning (no state). */
    private static RunInput sameRun(RunInput in) {
        RunInput next = new RunInput();
        next.file = in.file;
        next.source = in.source;
        next.params = in.params;
        next.seed = in.seed;
        next.faults = in.faults;
        next.durationMs = in.durationMs;
        next.ai = in.ai;
        next.tasksPerRun = in.tasksPerRun;
        next.publishEvents = in.publishEvents;
        next.maxInlineBytes = in.maxInlineBytes;
        next.historyEventsLimit = in.historyEventsLimit;
        next.maxRunAgeMs = in.maxRunAgeMs;
        next.maxChildren = in.maxChildren;
        next.hotModules = in.hotModules;
        next.partitions = in.partitions;
        next.split = in.split;
        return next;
    }

    static Plan compile(RunInput in) {
        return compile(in.file, in.source, in.params);
    }

    static Plan compile(String file, String source, java.util.Map<String, String> params) {
        CheckResult checked = Baton.check(file, source);
        if (checked.hasErrors()) {
            throw ApplicationFailure.newNonRetryableFailure(file + " has " + checked.errorCount() + " error(s)", "BatonProgramInvalid");
        }
        try {
            return Compiler.compile(checked, params);
        } catch (Compiler.PlanException e) {
            throw ApplicationFailure.newNonRetryableFailure(String.join("; ", e.problems), "BatonProgramInvalid");
        }
    }

    @Override
    public String globals() {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("time", core == null ? 0 : core.now());
        java.util.Map<String, Object> g = new java.util.LinkedHashMap<>();
        if (core != null) core.globals().forEach((k, v) -> g.put(k, dev.baton.runtime.Json.toPlain(v)));
        out.put("globals", g);
        return dev.baton.runtime.Json.write(out);
    }

    /** Hands the calls from updates to the core, in the order they came (the history's order: replay does the same). */
    private void sendRequests() {
        for (OutsideRequest q : queued) {
            try {
                q.handle = core.callFromOutside(q.caller, q.call.module(), q.call.key(), q.call.endpoint(), q.call.args());
                open.add(q);
            } catch (dev.baton.runtime.value.ValueError e) {
                q.reply = new dev.baton.runtime.plan.CallFailure(e.getMessage());
            }
        }
        queued.clear();
    }

    /** Applies the workflow starts and cancels from updates, in the order they came (the history's order: replay does the same). */
    private void applyCommands() {
        for (Command c : commands) {
            WorkflowCommand w = c.command;
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            try {
                if ("start".equals(w.kind)) {
                    Plan.WorkflowPlan wp = workflowNamed(w.workflow);
                    Object args = dev.baton.runtime.value.Conform.coerce(wp.paramsType(),
                            dev.baton.runtime.Json.parse(w.args == null || w.args.isBlank() ? "{}" : w.args));
                    boolean existed = w.id != null && core.describeWorkflow(w.id) != null;
                    String id = core.startWorkflow(null, wp.index(), args, w.id == null ? dev.baton.runtime.value.None.NONE : w.id);
                    out.put("id", id);
                    out.put("workflow", wp.name());
                    out.put("created", !existed);
                    out.put("status", core.describeWorkflow(id).get("status"));
                } else {
                    core.cancelWorkflow(null, w.id);
                    java.util.Map<String, Object> d = core.describeWorkflow(w.id);
                    out.put("id", w.id);
                    out.put("status", d == null ? "UNKNOWN" : d.get("status"));
                }
            } catch (RuntimeException e) {
                out.clear();
                out.put("refused", String.valueOf(e.getMessage()));
            }
            c.answer = dev.baton.runtime.Json.write(out);
        }
        commands.clear();
    }

    private Plan.WorkflowPlan workflowNamed(String name) {
        for (Plan.WorkflowPlan wp : plan.workflows) if (wp.name().equals(name)) return wp;
        throw new IllegalArgumentException("the program has no workflow '" + name + "'");
    }

    @Override
    public void validateCommand(WorkflowCommand command) {
        if (plan == null) return;
        if ("start".equals(command.kind)) {
            workflowNamed(command.workflow);
        } else if ("cancel".equals(command.kind)) {
            if (core != null && core.describeWorkflow(command.id) == null) throw new IllegalArgumentException("the run has no workflow '" + command.id + "'");
        } else {
            throw new IllegalArgumentException("no command '" + command.kind + "' (start, cancel)");
        }
    }

    @Override
    public String command(WorkflowCommand command) {
        awaitRunning();
        Command c = new Command(command);
        commands.add(c);
        Workflow.await(() -> c.answer != null);
        return c.answer;
    }

    /** In an update: waits until the run has its core; refuses once it has finished. */
    private void awaitRunning() {
        Workflow.await(() -> core != null);
        if (finished != null) throw ApplicationFailure.newNonRetryableFailure("the run has finished (" + finished + ")", "RunFinished");
    }

    @Override
    public void validateDeploy(String source) {
        if (plan == null || source == null) return; // the run is starting: the deploy is checked when taken
        CheckResult checked = Baton.check(plan.file.name(), source);
        if (checked.hasErrors()) {
            StringBuilder why = new StringBuilder("the new version has " + checked.errorCount() + " error(s); nothing changed:");
            for (dev.baton.lang.Diagnostic d : checked.diagnostics()) {
                if (d.isError()) why.append("\n").append(plan.file.name()).append(':').append(d.line()).append(':').append(d.column()).append(": ")
                        .append(d.code().id()).append(": ").append(d.message());
            }
            throw new IllegalArgumentException(why.toString());
        }
    }

    @Override
    public String deploy(String source) {
        awaitRunning();
        Deploy d = new Deploy(source);
        deploys.add(d);
        Workflow.await(() -> d.answer != null);
        d.returned = true;
        return d.answer;
    }

    @Override
    public String inspect(String read) {
        if (core == null) throw new IllegalStateException("the run is starting; ask again");
        java.util.Map<String, Object> out = dev.baton.runtime.Inspect.run(core, dev.baton.runtime.Inspect.Request.parse(read));
        return out == null ? "null" : dev.baton.runtime.Json.write(out);
    }

    /** Takes the replies that have come; true when there was one (its update can now complete). */
    private boolean takeReplies() {
        boolean any = false;
        for (java.util.Iterator<OutsideRequest> it = open.iterator(); it.hasNext(); ) {
            OutsideRequest q = it.next();
            Object reply = core.outsideReply(q.handle);
            if (reply != null) {
                q.reply = reply;
                it.remove();
                any = true;
            }
        }
        return any;
    }

    @Override
    public void validateExecute(EndpointRequest request) {
        if (plan != null) EndpointCall.parse(plan, request.target, request.args); // throws: the update is rejected, nothing recorded
    }

    @Override
    public String execute(EndpointRequest request) {
        Workflow.await(() -> core != null);
        EndpointCall call;
        try {
            call = EndpointCall.parse(plan, request.target, request.args);
        } catch (IllegalArgumentException e) {
            throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "BadEndpointCall");
        }
        if (finished != null) throw ApplicationFailure.newNonRetryableFailure("the run has finished (" + finished + ")", "RunFinished");
        String caller = request.caller == null || request.caller.isBlank() ? Workflow.randomUUID().toString() : request.caller;
        OutsideRequest q = new OutsideRequest(call, caller);
        queued.add(q);
        Workflow.await(() -> q.reply != null);
        return answer(call, q.reply);
    }

    @Override
    public String query(EndpointRequest request) {
        if (core == null) throw new IllegalStateException("the run is starting; ask again");
        EndpointCall call = EndpointCall.parse(plan, request.target, request.args);
        if (!call.query()) {
            throw new IllegalArgumentException(call.target() + " is a command (/execute): send it as an update, which the run records");
        }
        Core copy = CoreCodec.copy(core);
        Object reply = copy.runUntilReply(copy.callFromOutside("query", call.module(), call.key(), call.endpoint(), call.args()), QUERY_ENGINE_MS);
        if (reply != null) return answer(call, reply);
        throw new IllegalStateException(call.target() + " did not reply within " + QUERY_ENGINE_MS + " ms of engine time");
    }

    /** How far a query runs a copy of the run forward, at most, waiting for the endpoint's reply. */
    static final long QUERY_ENGINE_MS = 60_000;

    /** {@code {"target": …, "ok": true, "value": …}} or {@code {"target": …, "ok": false, "failure": "…"}}. */
    private static String answer(EndpointCall call, Object reply) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("target", call.target());
        if (reply instanceof dev.baton.runtime.plan.CallFailure f) {
            out.put("ok", false);
            out.put("failure", f.message());
        } else {
            out.put("ok", true);
            out.put("value", dev.baton.runtime.Json.toPlain(reply));
        }
        return dev.baton.runtime.Json.write(out);
    }

    @Override
    public String progress() {
        return progress;
    }
}
