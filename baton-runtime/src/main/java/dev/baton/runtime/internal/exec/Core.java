package dev.baton.runtime.internal.exec;

import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.Faults;
import dev.baton.runtime.plan.Context;
import dev.baton.runtime.plan.Ev;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Instr;
import dev.baton.runtime.plan.LockFrame;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.StateMap;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The embedded engine's deterministic core: every instance, workflow, timer and message of a
 * program, driven by one timeline of {@link Task}s on engine time.
 *
 * <h2>Parts</h2>
 * The core is the hub of parts that each hold one concern (see {@code package-info.java} and
 * docs/ARCHITECTURE.md): the {@link Timeline} (time, tasks, sequences, random stream, trace),
 * {@link Waits} (every suspended fiber and what it waits on), {@link Instances} (state,
 * mailboxes, handler runs), {@link Calls} (identities, de-duplication, timeouts, fencing),
 * {@link Network} (latency and faults, crashes), {@link Fibers} (the interpreter, wake-up,
 * completion, failure, rollback), {@link Sagas} (unwinding and compensation), {@link Locks},
 * {@link Joins}, {@link Workflows} (start, sleep, await, children, cancellation),
 * {@link RunsApart}, {@link Events} (emission to handlers, awaiters and the bus), {@link Loads},
 * {@link Decisions}. Two strategies plug into the parts they change: {@link Placement} (which
 * instances live in this core, for a run in partitions) and {@link HotCalls} (modules whose calls
 * run on the state store). Parts reach one another through the core's fields; the core itself
 * takes the next task ({@link #step}), hands it to the part it belongs to, and answers the
 * engine's and the program's ({@link Context}) requests by delegating.
 *
 * <h2>Determinism</h2>
 * One thread runs everything, in (time, sequence) order. Time, randomness and ids come from the
 * timeline (all in a snapshot). Given the same plan, seed, faults and inputs, two cores process
 * the same tasks in the same order and end in the same state; the {@link #traceHash()} proves it.
 */
public final class Core implements Context {
    public static final Duration DEFAULT_CALL_TIMEOUT = Calls.DEFAULT_CALL_TIMEOUT;
    public static final int DEFAULT_CALL_RETRIES = Calls.DEFAULT_CALL_RETRIES;
    public static final Duration DEFAULT_BACKOFF = Calls.DEFAULT_BACKOFF;
    static final int MAX_ERRORS_KEPT = 50;
    /**
     * The most statements a handler — or a workflow between two waits — runs in one go. The
     * engine is one thread: without a bound, a loop that does not end (even one within its own
     * {@code [max: N]}) would stop every other module's handlers and ticks for good.
     */
    public static final long MAX_STEPS = 100_000_000;
    /** What {@link #query} answers when the query needs the timeline (it calls another endpoint). */
    public static final Object NEEDS_ENGINE = new Object();

    final Plan plan;
    final long seed;
    final Faults faults;
    final DecisionProvider decisions;

    // the run's shared records
    final dev.baton.runtime.StateStore store = dev.baton.runtime.StateStore.inMemory();
    final Stats stats = new Stats();
    /** The inbox sequences applied, per source (see {@link InboxPositions}). */
    final InboxPositions inboxPositions = new InboxPositions();
    final List<RunError> errors = new ArrayList<>();
    /** Declared failures ({@code Fail} and what it makes fail), kept apart from runtime errors. */
    final List<RunError> failures = new ArrayList<>();
    ErrorListener errorListener;

    // the parts
    final Timeline timeline;
    final Waits waits = new Waits();
    final Instances instances;
    final Calls calls = new Calls(this);
    final Network network;
    final Fibers fibers = new Fibers(this);
    final Sagas sagas = new Sagas(this);
    final Locks locks = new Locks(this);
    final Joins joins = new Joins(this);
    final Deadlocks deadlocks = new Deadlocks(this);
    final Workflows workflows;
    final RunsApart apart = new RunsApart(this);
    final Events events;
    final Loads loads;
    final Decisions decider;
    // the strategies
    Placement placement = Placement.ALL;
    final HotCalls hot = new HotCalls(this);
    /** Where replies, recorded errors and starts go (see {@link Outlet}). */
    Outlet outlet = new Outlet() {
        @Override
        public void reply(Msg m, Object value) {
            calls.sendReply(m, value);
        }

        @Override
        public void recorded(RunError error, boolean declared) {
            fibers.keep(error, declared);
        }

        @Override
        public String start(int workflow, Object args, Object id) {
            return null;
        }
    };
    /** True when the last {@link #runUntil} stopped short (a run apart or a hot batch has not told how it ends). */
    private boolean held;

    /** A runtime error: where, in which instance or workflow, and what. */
    public record RunError(String position, String owner, String message, long time) {
        @Override
        public String toString() {
            return position + ": runtime error in " + owner + ": " + message;
        }

        /** The same, worded for a declared failure. */
        public String asFailure() {
            return position + ": " + owner + " failed: " + message;
        }
    }

    /** One wait of the run (see {@link #waits()}): who waits, its kind, on what, since when (engine ms, -1 unknown), and where. */
    public record WaitRow(String waiter, String kind, String on, long since, String position) {
    }

    /**
     * A deadlock found (see {@link Deadlocks}): when, its code, the cycle's waits in order (each
     * naming its waiter, its {@code file:line:col} and what it waits on), the waits hanging off it,
     * and the waiter whose wait failed so the rest go on, with its position; {@code message} says
     * all of it in one line (what the failed wait's error says too).
     */
    public record Deadlock(long time, String code, List<String> cycle, List<String> behind, String failed, String failedAt, String message) {
    }

    /** One workflow in a listing: its id, type (the workflow's name), status and start time. */
    public record WorkflowRow(String id, String type, String status, long startedAt) {
    }

    public Core(Plan plan, long seed, Faults faults, DecisionProvider decisions) {
        String misfit = faults.problemWith(plan);
        if (misfit != null) throw new IllegalArgumentException(misfit);
        this.plan = plan;
        this.seed = seed;
        this.faults = faults;
        this.decisions = decisions;
        this.timeline = new Timeline(seed);
        this.instances = new Instances(this, plan);
        this.network = new Network(this, faults);
        this.workflows = new Workflows(this, plan);
        this.events = new Events(this, plan);
        this.loads = new Loads(this, plan);
        this.decider = new Decisions(this, decisions, faults);
    }

    // ================================================================== start and drive

    /** Initialises state and schedules ticks, loads and (in simulation) crashes. */
    public void start() {
        initialise();
        for (Inst inst : instances.all) {
            for (Plan.Tick t : plan.modules.get(inst.module).ticks) schedule(Timeline.periodMs(t.period()), Task.TICK, inst.index, 0, t.index(), null);
        }
        for (Plan.LoadPlan l : plan.loads) schedule(l.start().toMillis(), Task.LOAD, l.index(), 0, 0, null);
        for (Plan.FaultPlan fp : plan.faults) {
            int idx = instances.indexOf(fp.module(), fp.key());
            if (idx < 0) {
                throw new ValueError("Fault " + fp.name() + ": " + Values.show(fp.key()) + " is not an instance of " + plan.modules.get(fp.module()).name);
            }
            schedule(fp.atMs(), Task.CRASH, idx, 0, Math.max(1, fp.downMs()), null);
        }
        network.scheduleCrashes();
    }

    /** Gives every global and every instance's state its initial value (in program order: the same random draws every time). */
    private void initialise() {
        Fiber init = new Fiber(0, new dev.baton.runtime.plan.Body(-1, "init", plan.file), Fiber.Owner.LOAD, -1, null);
        init.ctx = this;
        plan.globals.forEach((name, ev) -> store.put(name, ev.eval(init)));
        for (Inst inst : instances.all) {
            instances.initState(inst);
            inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "IDLE");
            inst.ticksQueued = new int[plan.modules.get(inst.module).ticks.size()];
        }
    }

    public long now() {
        return timeline.now;
    }

    /** Time of the next task, or Long.MAX_VALUE when there is none. */
    public long nextTime() {
        Task t = timeline.peek();
        // a workflow running apart may end before: its completion is not on the timeline yet
        return apart.nextTime(t == null ? Long.MAX_VALUE : t.time());
    }

    /** Processes every task due at or before {@code until}; engine time ends at {@code until}. */
    public void runUntil(long until) {
        held = false;
        while (true) {
            Task t = timeline.peek();
            if (!apart.runs.isEmpty() && !apart.resolve(t != null && t.time() <= until ? t : null, until)) {
                held = true;
                return; // engine time stays where it is until the run apart tells how it ends
            }
            t = timeline.peek();
            if (t == null || t.time() > until) break;
            if (hot.holds(t)) {
                held = true;
                return; // engine time stays here until the batch's outcomes are told
            }
            step();
        }
        if (until > timeline.now) timeline.now = until;
    }

    /** True when the last {@link #runUntil} stopped short of its time, waiting for a workflow run apart or a hot batch. */
    public boolean held() {
        return held;
    }

    /** Processes one task. */
    public void step() {
        Task t = timeline.next();
        if (t == null) return;
        hot.taken(t);
        // Only a load delivers events inline (the hot path); anything a handler or workflow
        // emits goes through the timeline, so no chain of handlers can deepen the stack.
        if (t.kind() != Task.LOAD) events.delivering++;
        try {
            dispatch(t);
        } finally {
            if (t.kind() != Task.LOAD) events.delivering--;
        }
    }

    private void dispatch(Task t) {
        switch (t.kind()) {
            case Task.DELIVER -> {
                if (inFlight((Msg) t.value(), t.target())) deliveriesInFlight--;
                if (hot.owns(t.target())) hot.deliver(instances.all[t.target()], (Msg) t.value(), t.seq());
                else instances.deliver(instances.all[t.target()], (Msg) t.value());
            }
            case Task.TICK -> instances.tick(instances.all[t.target()], (int) t.token());
            case Task.WAKE -> fibers.wake(t.fiber(), t.token(), None.NONE);
            case Task.REPLY -> fibers.wake(t.fiber(), t.token(), t.value());
            case Task.TIMEOUT -> calls.timeout(t.fiber(), t.token());
            case Task.LOAD -> loads.run(t.target());
            case Task.CRASH -> network.crash(instances.all[t.target()], t.token());
            case Task.LEASE -> locks.leaseExpired(t.token());
            case Task.RESTART -> network.restart(instances.all[t.target()]);
            case Task.DETACHED -> apart.ended((String) t.value());
            default -> throw new IllegalStateException("unknown task kind " + t.kind());
        }
    }

    /** Puts a task on the timeline (every part schedules through here: the hot strategy sees each). */
    void schedule(long time, int kind, int target, long fiber, long token, Object value) {
        if (kind == Task.DELIVER && inFlight((Msg) value, target)) deliveriesInFlight++;
        hot.scheduled(timeline.schedule(time, kind, target, fiber, token, value));
    }

    /**
     * Messages on the network (events and commands, late or not yet taken) the run must not end
     * without: a run is not settled while one is on its way (a delayed event would otherwise be
     * lost at the end of the run).
     */
    long deliveriesInFlight;

    boolean inFlight(Msg m, int target) {
        return !isBackground(instances.all[target].module, m);
    }

    // ================================================================== runs apart

    /**
     * Runs every workflow inline, self-contained or not, as builds before runs apart did (for a
     * Temporal run recorded by such a build, which must replay the same).
     */
    public void runAllInline() {
        apart.enabled = false;
    }

    /** Where this core's workflows run apart go (the embedded default: a core of their own each). */
    public void setRunner(Detached.Runner runner) {
        apart.runner = runner;
    }

    /** The workflows running apart, in start order. */
    public java.util.Collection<Detached> detachedRuns() {
        return java.util.Collections.unmodifiableCollection(apart.runs.values());
    }

    /** True while a workflow runs apart whose outcome is not known yet (a snapshot could not carry it). */
    public boolean detachedOut() {
        return apart.out();
    }

    /** Takes in the outcomes the runner already has of workflows running apart (see {@link Detached.Runner#returned}). */
    public void settleReturnedRunsApart() {
        apart.settleReturned();
    }

    /**
     * A core that runs one self-contained workflow apart: no modules, loads or faults of its own,
     * the declared {@code Param}s, its own random stream, engine time from the run's start.
     */
    /** Where this core's {@code Ask}s get their answers (and which keeps the settled ones, {@link DecisionProvider#asked}). */
    public DecisionProvider decisions() {
        return decisions;
    }

    public static Core apart(Plan plan, Faults faults, DecisionProvider decisions, Detached run) {
        Core c = new Core(plan, run.seed, faults, decisions);
        c.timeline.now = run.startedAt;
        Fiber init = new Fiber(0, new dev.baton.runtime.plan.Body(-1, "init", plan.file), Fiber.Owner.LOAD, -1, null);
        init.ctx = c;
        for (String p : plan.params.keySet()) c.store.put(p, plan.globals.get(p).eval(init));
        c.apart.rootId = run.id;
        c.workflows.start(run.workflow, run.args, run.id);
        c.workflows.all.get(run.id).depth = run.depth;
        return c;
    }

    /** In a core made by {@link #apart}: how its workflow ended, or null while it runs. */
    public Detached.Outcome outcome() {
        return apart.outcome();
    }

    /** In a core made by {@link #apart}: runs it to {@code at} and cancels its workflow there (unless it ended); how it ended. */
    Detached.Outcome cancelAt(long at) {
        runUntil(at);
        if (apart.rootEnded < 0) workflows.cancel(apart.rootId, true);
        if (apart.rootEnded < 0) apart.rootEnded = timeline.now; // defensive: a cancelled workflow always ends
        return outcome();
    }

    /** Adds what ran elsewhere — a run apart, a partition — to this run's counters, errors, failures and workflow counts. */
    void absorbOutcome(Detached.Outcome o) {
        stats.add(o.stats());
        for (RunError e : o.errors()) if (errors.size() < MAX_ERRORS_KEPT) errors.add(e);
        for (RunError e : o.failures()) if (failures.size() < MAX_ERRORS_KEPT) failures.add(e);
        o.workflows().forEach((status, n) -> apart.ended.merge(status, n, Long::sum));
    }

    // ================================================================== hot modules and partitions

    /**
     * Keeps {@code modules} (each storable: see {@code Plan#storable}) out of this core: each call
     * to one runs through {@code runner} (see {@link Hot}), this core keeping their state and
     * globals as the outcomes tell them.
     */
    public void setHot(Hot.Runner runner, java.util.Collection<String> modules) {
        hot.set(runner, modules);
    }

    /** True when the last {@link #runUntil} stopped short for a batch of calls to hot modules; {@link #hotWaiting()} is the batch. */
    public boolean heldOnHot() {
        return held && hot.waiting != null;
    }

    /** The batch this core holds for (see {@link #heldOnHot}), or null. */
    public byte[] hotWaiting() {
        return hot.waiting;
    }

    /** Tells this core the outcomes of a batch (from its runner); it goes on at the next {@link #runUntil}. */
    public void hotTold(byte[] outcomes) {
        hot.told(outcomes);
    }

    /** Sets this core's copy of hot module {@code module} (its state and owned globals) from its record on the store. */
    public void hotRefresh(String module, byte[] record) {
        if (record == null) return;
        int inst = instances.first[plan.moduleIndex(module)];
        Hot.load(this, inst, List.copyOf(plan.storable.get(module)), record);
    }

    /** Makes this core a {@link Hot.Host}'s: globals and states initialised, nothing scheduled, {@code inst} answering calls. */
    void host(int inst) {
        initialise();
        hot.host(inst);
    }

    /** In a host's core: runs a batch of calls against the loaded record; their outcomes. */
    byte[] hostRun(byte[] calls) {
        return hot.hostRun(calls);
    }

    /**
     * Makes this core partition {@code p} of {@code n} of one run: of each module in
     * {@code partitioned} it keeps the instances whose place in the module is {@code p} modulo
     * {@code n}; every other module lives in partition 0. Each partition runs the loads (their
     * events reach the instances it keeps; partition 0 counts and publishes them); the partitions
     * share the run's hot modules (calls from a partition's workflows carry its index, so callers
     * stay apart). Call after {@link #start}, before the run goes on.
     */
    public void setPartition(int p, int n, java.util.Collection<String> partitioned) {
        placement = Placement.of(this, p, n, partitioned);
    }

    /** What this partition did, for partition 0 to {@link #absorbPartition}: its instances' states, counters, errors, workflows. */
    public byte[] partitionResult() {
        return Placement.result(this);
    }

    /** In partition 0: takes in what partition {@code result} did (its instances' states replace this core's copies). */
    public void absorbPartition(byte[] result) {
        Placement.absorb(this, result);
    }

    // ================================================================== the run's progress

    /** True when every load generator has finished. */
    public boolean loadsDone() {
        return loads.allDone();
    }

    /**
     * True when only background remains: loads done, no workflow running or waiting on a
     * timer, no event or command ({@code /execute}) call queued or in flight. Ticks and
     * read-only queries do not count as work. (The engine also requires that no command call
     * starts for a while before it stops; see {@code Stats.commandCalls}.)
     */
    public boolean settled() {
        if (!loads.allDone() || !apart.runs.isEmpty() || deliveriesInFlight > 0) return false;
        for (Calls.Pending p : calls.pending.values()) if (!isQuery(instances.all[p.target()].module, p.msg())) return false;
        if (workflows.busy()) return false;
        for (Inst i : instances.all) {
            if (i.crashed) return false;
            if (i.currentMsg != null && !isBackground(i.module, i.currentMsg)) return false;
            for (Msg m : i.mailbox) if (!isBackground(i.module, m)) return false;
        }
        return true;
    }

    private boolean isBackground(int module, Msg m) {
        return m.kind() == Msg.TICK || isQuery(module, m);
    }

    private boolean isQuery(int module, Msg m) {
        return m.kind() == Msg.CALL && plan.modules.get(module).endpoints.get(m.handler()).query();
    }

    /** A digest of all instance and global state; equal digests mean nothing changed. */
    public long stateDigest() {
        long h = 17;
        for (Inst i : instances.all) for (Object v : i.state) h = h * 31 + Values.stableHash(v);
        for (Object v : store.all().values()) h = h * 31 + Values.stableHash(v);
        return h;
    }

    // ================================================================== observers (not part of a snapshot)

    /** Tells the core how far the wall clock has got, in engine time (the real clock; see {@link Instances#wallClock}). */
    public void setWallClock(java.util.function.LongSupplier engineTimeOfTheWallClock) {
        instances.wallClock = engineTimeOfTheWallClock;
    }

    /**
     * Told of each handler run on the engine thread (up to its end or first wait), for metrics. The
     * timer reads its own clock: the core never reads one (runs depend on engine time and seeds only).
     */
    public interface HandlerTimer {
        /** A handler is about to run: the timer's reading, given back to {@link #ran}. */
        long started();

        /**
         * {@code kind}: 0 an event handler, 1 a tick, 2 an endpoint; {@code handler} its index in the
         * instance's module (handlers, ticks or endpoints by kind); {@code at} the engine time it ran at;
         * {@code started} what {@link #started} returned before it.
         */
        void ran(int kind, int instance, int handler, long at, long started);
    }

    /** Times every handler run (wall clock; observation only, not part of a snapshot). */
    public void setHandlerTimer(HandlerTimer t) {
        instances.handlerTimer = t;
    }

    /** Told of every runtime error and declared failure as it is recorded (see {@link #setErrorListener}). */
    public interface ErrorListener {
        /** {@code ordinal}: errors and failures recorded in the run so far, this one included (deterministic). */
        void recorded(long ordinal, RunError error, boolean declared);
    }

    /**
     * Tells {@code l} of every error and failure as it is recorded — all of them, where the core
     * itself keeps only the first {@code MAX_ERRORS_KEPT} of each — numbered so that one
     * re-recorded by a replay after a restore can be told from a new one. Not part of a snapshot.
     */
    public void setErrorListener(ErrorListener l) {
        this.errorListener = l;
    }

    /**
     * Whether the events a {@code Load} generates and the external events injected are published
     * to the bus too (the default), or only what modules and workflows emit ({@code baton serve}'s
     * stream: a browser cannot take a million simulated players' events a second). The numbers
     * published stay the emission's number in the run either way.
     */
    public void setPublishInputs(boolean publish) {
        events.publishInputs = publish;
    }

    /** Publishes every emitted event to {@code bus} as well (after delivering it inside the engine). */
    public void setBus(dev.baton.runtime.EventBus bus) {
        events.bus = bus;
    }

    // ================================================================== Context: what running code asks of the engine

    @Override
    public double random() {
        return timeline.random();
    }

    @Override
    public String uuid() {
        long a = (long) (random() * (1L << 52)) ^ (long) (random() * (1L << 52)) << 12;
        long b = (long) (random() * (1L << 52)) ^ (long) (random() * (1L << 52)) << 12;
        return String.format("%08x-%04x-4%03x-%04x-%012x", a >>> 32, (a >>> 16) & 0xffff, a & 0xfff,
                0x8000 | (b >>> 48) & 0x3fff, b & 0xffffffffffffL);
    }

    @Override
    public Object[] state(Fiber f) {
        if (f.instance < 0) throw new ValueError("module state is not available here");
        return instances.all[f.instance].state;
    }

    @Override
    public Object instanceKey(Fiber f) {
        if (f.owner == Fiber.Owner.INSTANCE) return instances.all[f.instance].key;
        if (f.owner == Fiber.Owner.WORKFLOW) return f.workflow;
        return None.NONE;
    }

    @Override
    public Object global(String name) {
        Object v = store.get(name);
        return v == null ? None.NONE : v;
    }

    @Override
    public void setGlobal(Fiber f, String name, Object value) {
        store.put(name, value);
    }

    @Override
    public void emit(Fiber f, int event, Object payload) {
        events.emit(f, event, payload);
    }

    @Override
    public String startWorkflow(Fiber f, int workflow, Object args, Object id) {
        String taken = outlet.start(workflow, args, id);
        return taken != null ? taken : workflows.start(workflow, args, id);
    }

    @Override
    public void call(Fiber f, int module, Object key, int endpoint, Object args, CallOptions options) {
        calls.call(f, module, key, endpoint, args, options);
    }

    @Override
    public void sleep(Fiber f, Duration d) {
        workflows.sleep(f, d);
    }

    @Override
    public void await(Fiber f, int event, Ev where, Duration timeout) {
        workflows.await(f, event, timeout);
    }

    @Override
    public Object decide(Fiber f, String provider, Object input, int attempt, dev.baton.lang.types.Type expect, List<String> checks,
                         List<String> rejected) {
        return decider.decide(provider, input, attempt, expect, checks, rejected);
    }

    @Override
    public void countDecision(Fiber f, boolean accepted, List<String> failedChecks) {
        decider.counted(accepted, failedChecks);
    }

    @Override
    public void askSettled(Fiber f, dev.baton.lang.Span where, Object taken, boolean fallback) {
        decider.settled(f, where, taken, fallback);
    }

    @Override
    public void runChild(Fiber f, int workflow, Object args, Object id) {
        workflows.runChild(f, workflow, args, id);
    }

    @Override
    public void cancelWorkflow(Fiber f, String id) {
        if (f != null && f.owner == Fiber.Owner.WORKFLOW && id.equals(f.workflow)) {
            throw new ValueError("a workflow cannot cancel itself; Fail instead");
        }
        workflows.cancel(id, true);
    }

    @Override
    public long acquire(Fiber f, List<String> keys, Duration lease, Duration wait) {
        return locks.acquire(f, keys, lease, wait);
    }

    @Override
    public void release(Fiber f, LockFrame frame) {
        locks.releaseKeys(frame);
    }

    @Override
    public void checkFences(Fiber f) {
        locks.checkFences(f);
    }

    @Override
    public void fork(Fiber f, int[] starts, List<Object> items, int itemSlot, int joinKind, int joinCount, String onFailure, String share) {
        joins.fork(f, starts, items, itemSlot, joinKind, joinCount, onFailure, share);
    }

    @Override
    public void joinShared(Fiber f, String name, Duration timeout) {
        joins.joinShared(f, name, timeout);
    }

    @Override
    public void retryLater(Fiber f, Duration delay) {
        fibers.retryLater(f, delay);
    }

    @Override
    public Object allInstances(int module, int slot) {
        List<Object> out = new ArrayList<>();
        for (int i = instances.first[module]; i < instances.first[module + 1]; i++) out.add(StateMap.plain(instances.all[i].state[slot]));
        return org.pcollections.TreePVector.from(out);
    }

    /** Wall time of the run so far, set by the engine before a report is evaluated (not part of a snapshot). */
    public long wallMsForReport;

    @Override
    public Object stat(String name) {
        if (name.equals("events_per_second")) return wallMsForReport <= 0 ? 0L : Math.round(stats.eventsEmitted / (wallMsForReport / 1000.0));
        if (name.equals("engine_time_ms")) return timeline.now;
        try {
            return Stats.class.getField(Stats.camel(name)).getLong(stats);
        } catch (ReflectiveOperationException e) {
            throw new ValueError("stat(): unknown counter '" + name + "'");
        }
    }

    @Override
    public Object discarded(int module, int slot) {
        return network.discarded.getOrDefault(module + ":" + slot, 0L);
    }

    // ================================================================== what reaches the core from outside

    /**
     * Calls endpoint {@code endpoint} of instance {@code key} (None for a single-instance module)
     * of module {@code module} from outside the program — an engine's API on behalf of a client —
     * exactly as a {@code Call} would: through the instance's mailbox, with the default timeout
     * and retries, de-duplicated by {@code caller} (a resend under the same caller identity gets
     * the first answer). Returns a handle for {@link #outsideReply}. {@code args} must already fit
     * the endpoint's parameters (see {@link dev.baton.runtime.plan.Plan.Endpoint#paramsType}).
     * The engine must take every reply before it snapshots: pending calls from outside are not
     * part of a snapshot ({@link #outsideCallsOpen}).
     *
     * @throws ValueError when {@code key} names no instance
     */
    public long callFromOutside(String caller, int module, Object key, int endpoint, Object args) {
        return calls.callFromOutside(caller, module, key, endpoint, args);
    }

    /** The reply to a call from outside once it has come (and forgets it), else null. */
    public Object outsideReply(long handle) {
        return calls.outsideReplies.remove(handle);
    }

    /**
     * Runs engine time forward a millisecond at a time until the call from outside {@code handle}
     * has its reply (and takes it), for at most {@code maxMs}; null when none came.
     */
    public Object runUntilReply(long handle, long maxMs) {
        long until = timeline.now + maxMs;
        for (long t = timeline.now + 1; t <= until; t++) {
            runUntil(t);
            Object reply = outsideReply(handle);
            if (reply != null) return reply;
        }
        return null;
    }

    /** True while a call from outside waits for its reply or its reply has not been taken. */
    public boolean outsideCallsOpen() {
        return calls.outsideOpen();
    }

    /**
     * Answers the {@code /return} query {@code endpoint} of instance {@code key} of module
     * {@code module} at once, on the live state, changing nothing (see {@link QueryContext}): the
     * run goes on exactly as if it had not been asked. Returns the query's value, or
     * {@link #NEEDS_ENGINE} when it cannot be answered so (it calls another endpoint, or the
     * instance is down) — then answer it on a copy ({@link CoreCodec#copy}). A declared
     * {@code Fail} or a runtime error in the query is thrown ({@link ValueError}).
     */
    public Object query(int module, Object key, int endpoint, Object args) {
        Plan.ModulePlan mod = plan.modules.get(module);
        Plan.Endpoint e = mod.endpoints.get(endpoint);
        if (!e.query()) throw new IllegalArgumentException(mod.name + "." + e.name() + " is an /execute command, not a query");
        int target = instances.instanceOf(module, key);
        if (instances.all[target].crashed || !placement.here(target)) return NEEDS_ENGINE;
        Fiber f = new Fiber(0, e.body(), Fiber.Owner.INSTANCE, target, null);
        f.ctx = new QueryContext(this);
        f.payload = args;
        try {
            Instances.bindParams(f, e.params(), e.paramSlots(), e.defaults(), args);
            Instr[] code = e.body().code;
            int pc = 0;
            long steps = 0;
            while (pc >= 0 && pc < code.length) {
                f.pc = pc;
                if (++steps > MAX_STEPS) throw new ValueError("the query ran " + MAX_STEPS + " steps without finishing");
                pc = code[pc].exec(f, pc);
            }
            if (pc == Instr.SUSPEND) return NEEDS_ENGINE;
        } catch (QueryContext.NeedsEngine needs) {
            return NEEDS_ENGINE;
        }
        return f.result == null ? None.NONE : f.result;
    }

    /**
     * Applies an external event (already journaled) as if a producer outside emitted it, unless
     * its source already applied this sequence (see {@link InboxPositions}).
     */
    public void inject(String source, long seq, int event, Object payload) {
        if (!inboxPositions.apply(source, seq)) return;
        events.emit(null, event, payload);
    }

    /** Which inbox sequences the run has applied, per source (read-only use). */
    public InboxPositions inbox() {
        return inboxPositions;
    }

    /** The last applied sequence of every source seen. */
    public Map<String, Long> inboxPositions() {
        return java.util.Collections.unmodifiableMap(inboxPositions.last());
    }

    // ================================================================== views

    public long traceHash() {
        return timeline.trace;
    }

    public Stats stats() {
        return stats;
    }

    /** How many times each event was emitted, by name (events never emitted are left out). */
    public Map<String, Long> eventCounts() {
        return events.byName();
    }

    public List<RunError> errors() {
        return errors;
    }

    public List<RunError> failures() {
        return failures;
    }

    public Plan plan() {
        return plan;
    }

    public Map<String, Object> globals() {
        return store.all();
    }

    /** State of every instance of a module, by key. */
    public Map<Object, Map<String, Object>> moduleState(String module) {
        return Views.moduleState(this, module);
    }

    /** One instance by its display name ({@code Module[key]}), for {@code baton history}; null when unknown. */
    public Map<String, Object> describeInstance(String name) {
        for (Inst i : instances.all) if (i.name.equals(name)) return Views.instance(this, i);
        return null;
    }

    /** Names of every instance. */
    public List<String> instanceNames() {
        List<String> out = new ArrayList<>();
        for (Inst i : instances.all) out.add(i.name);
        return out;
    }

    public int instanceCount() {
        return instances.all.length;
    }

    /** One workflow, for {@code baton history}; null when unknown. */
    public Map<String, Object> describeWorkflow(String id) {
        Wf w = workflows.all.get(id);
        return w == null ? null : Views.workflow(this, w);
    }

    public List<String> workflowIds() {
        return new ArrayList<>(workflows.all.keySet());
    }

    /** Every workflow the run knows, in the order they started. */
    public void forEachWorkflow(java.util.function.Consumer<WorkflowRow> each) {
        for (Wf w : workflows.all.values()) each.accept(new WorkflowRow(w.id, plan.workflows.get(w.workflow).name(), w.status, w.startedAt));
    }

    public long workflowsInFlight() {
        return workflows.live.size();
    }

    public Map<String, Long> workflowsByStatus() {
        return workflows.byStatus();
    }

    /** The deadlocks found so far, in the order found. */
    public List<Deadlock> deadlocks() {
        return List.copyOf(deadlocks.found);
    }

    /** Every wait of the run — each suspended handler, workflow and branch, and a hot batch held for — oldest first. */
    public List<WaitRow> waits() {
        return Views.waits(this);
    }
}
