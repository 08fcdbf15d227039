package dev.baton.runtime.internal.exec;

import dev.baton.lang.SourceFile;
import dev.baton.lang.Span;
import dev.baton.runtime.DecisionProvider;
import dev.baton.runtime.Faults;
import dev.baton.runtime.plan.Context;
import dev.baton.runtime.plan.Ev;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Instr;
import dev.baton.runtime.plan.LockFrame;
import dev.baton.runtime.plan.SagaFrame;
import dev.baton.runtime.plan.SagaLayout;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.StateMap;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The embedded engine's deterministic core: every instance, workflow, timer and message of a
 * program, driven by one timeline of {@link Task}s on engine time.
 *
 * <h2>Determinism</h2>
 * One thread runs everything, in (time, sequence) order. Time, randomness and ids come from
 * fields of this object (all in a snapshot). Given the same plan, seed, faults and inputs,
 * two cores process the same tasks in the same order and end in the same state; the
 * {@link #traceHash()} proves it.
 *
 * <h2>Instances</h2>
 * An instance runs one handler at a time. A handler that calls another module suspends
 * (its instance waits; new messages queue in its mailbox). A failed handler's changes to
 * its instance and to global state are rolled back; the error is recorded with its
 * position and instance, and the instance carries on with its next message.
 *
 * <h2>Calls</h2>
 * A call carries (caller, epoch, sequence); the callee applies each once and replays its
 * reply to a duplicate; an older epoch is fenced out. Timeouts retry with the same
 * sequence, so a retried or duplicated call is never applied twice.
 */
public final class Core implements Context {
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_CALL_RETRIES = 3;
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(100);
    private static final int MAX_ERRORS_KEPT = 50;

    final Plan plan;
    final long seed;
    final Faults faults;
    final DecisionProvider decisions;

    long now;
    long taskSeq;
    long fiberSeq;
    long tokenSeq;
    long wfSeq;
    long rng;
    long trace = 0x9E3779B97F4A7C15L;
    final PriorityQueue<Task> tasks = new PriorityQueue<>();
    final Inst[] insts;
    final int[] moduleFirst;
    final Map<Object, Integer>[] keyIndex;
    /** Per module: its keys are 0, 1, … n-1 in order ({@code [instances: n]}), so a key is its instance's offset — no map lookup. */
    private boolean[] denseKeys;
    final dev.baton.runtime.StateStore store = dev.baton.runtime.StateStore.inMemory();
    /** Where emitted events go beyond the engine (not part of a snapshot). */
    private dev.baton.runtime.EventBus bus = dev.baton.runtime.EventBus.NONE;
    final Map<Long, Fiber> suspended = new HashMap<>();
    final Map<Long, Pending> pending = new HashMap<>();
    final Map<String, Wf> workflows = new LinkedHashMap<>();
    final List<List<Waiter>> waiters = new ArrayList<>();
    final long[] eventCounts;
    final long[] loadEmitted;
    final double[] loadCarry;
    final boolean[] loadDone;
    final Fiber[] loadFibers;
    final Stats stats = new Stats();
    /** The inbox sequences applied, per source (see {@link InboxPositions}). */
    final InboxPositions inboxPositions = new InboxPositions();
    final List<RunError> errors = new ArrayList<>();
    /** Declared failures ({@code Fail} and what it makes fail), kept apart from runtime errors. */
    final List<RunError> failures = new ArrayList<>();
    private int delivering;
    /** Runs of self-contained workflows executing apart (see {@link Detached}), by id, in start order. */
    final Map<String, Detached> detached = new LinkedHashMap<>();
    private Detached.Runner runner = new Detached.Inline(this);
    /** True when the last {@link #runUntil} stopped short: a run apart has not told how it ends. */
    private boolean held;
    /** False: self-contained workflows run inline like any other (what builds before runs apart did). */
    private boolean runApart = true;
    /** In a core made by {@link #apart}: the workflow it runs, and the engine time it ended (-1 while it runs). */
    String rootId;
    long rootEnded = -1;
    /** How the workflows that runs apart ran ended (those runs themselves are in {@link #workflows}), by state. */
    final TreeMap<String, Long> apartWorkflows = new TreeMap<>();
    /** Where calls to hot modules run (null: none is hot; see {@link Hot}), and which instances are hot. */
    private Hot.Runner hotRunner;
    private boolean[] hotInst;
    /** Deliveries to hot instances on the timeline, and the outcomes known for them (by task seq). */
    private final java.util.TreeSet<Task> hotQueued = new java.util.TreeSet<>();
    private final TreeMap<Long, Hot.Outcome> hotKnown = new TreeMap<>();
    /** The batch this core holds for (null: none). */
    private byte[] hotWaiting;
    /**
     * A run spread over {@code partitions} cores (see {@link #setPartition}): this core's index,
     * and the instances that live in another partition (null: none).
     */
    private int partition;
    private int partitions = 1;
    private boolean[] elsewhere;
    /** In a {@link Hot.Host}'s core: the hot instance (else -1), and what the call being run did. */
    private int hostInst = -1;
    private Hot.Outcome hostOut;

    /** A call waiting for its reply. {@code persistent}: retried until answered (calls in sagas). */
    record Pending(long fiber, long token, int target, Msg msg, int attemptsLeft, long backoffMs, long timeoutMs, boolean persistent,
                   boolean retryFailures) {
        Pending(long fiber, long token, int target, Msg msg, int attemptsLeft, long backoffMs, long timeoutMs, boolean persistent) {
            this(fiber, token, target, msg, attemptsLeft, backoffMs, timeoutMs, persistent, false);
        }

    }

    /** A held lock key. */
    record Holder(long fiber, long token, long expiresAt) {
    }

    /** A fiber waiting for lock keys (all at once). */
    record LockRequest(long fiber, long token, List<String> keys, long leaseMs) {
    }

    /** A Fork waiting for its branches. States: 0 running, 1 succeeded, 2 failed, 3 cancelled. */
    static final class JoinState {
        long parentFiber;
        long parentToken;
        int kind;
        int need;
        String onFailure;
        long[] branches;
        Object[] results;
        int[] state;
        int successes;
        int failures;
    }

    long fenceSeq;
    /** Numeric state lost in discard crashes, by "module:slot". */
    final Map<String, Object> discardedState = new TreeMap<>();
    final Map<String, Holder> locks = new TreeMap<>();
    final List<LockRequest> lockQueue = new ArrayList<>();
    final Map<Long, JoinState> joins = new TreeMap<>();

    /** A workflow waiting in {@code Await}. */
    record Waiter(long fiber, long token) {
    }

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

    /** Counters for reports. */
    public static final class Stats {
        public long eventsEmitted;
        /** Alias kept for reports: decisions are AI proposals. */
        public long proposals;
        public long loadEvents;
        public long handlerRuns;
        public long handlerFailures;
        public long ticks;
        public long ticksSkipped;
        public long callsSent;
        /** Calls to /execute endpoints: work that changes state (queries are background). */
        public long commandCalls;
        public long callRetries;
        public long callsFailed;
        public long callsDeduplicated;
        public long callsFenced;
        public long messagesDropped;
        public long messagesDuplicated;
        public long messagesDelayed;
        /** Messages slowed by a latency spike ({@code --faults spike=Module}). */
        public long messagesSpiked;
        public long crashes;
        /** Always 0 since events are durable (kept for snapshots written before). */
        public long eventsLostToCrashes;
        /** Events that reached an instance while it was down, held and delivered when it was back. */
        public long eventsHeldWhileDown;
        /** Event deliveries lost on the (simulated) network and sent again ({@code drop}). */
        public long eventsRedelivered;
        /** Event deliveries that came twice ({@code duplicate}), the copy recognised and discarded. */
        public long eventsDeduplicated;
        public long workflowsStarted;
        public long workflowsCompleted;
        public long workflowsFailed;
        public long workflowsCancelled;
        public long sagasCompensating;
        public long compensationRetries;
        /** Retries of a saga's step before its pivot ({@code Step X [retry: n]}), before any compensation. */
        public long stepRetries;
        public long locksGranted;
        public long leasesExpired;
        public long decisions;
        public long decisionsRejected;
        public long hallucinations;
        public long errors;
        public long failures;

        private static final java.lang.reflect.Field[] COUNTERS = java.util.Arrays.stream(Stats.class.getFields())
                .filter(f -> f.getType() == long.class).toArray(java.lang.reflect.Field[]::new);

        /** Adds every counter of {@code other} to this one's. */
        public void add(Stats other) {
            try {
                for (java.lang.reflect.Field field : COUNTERS) field.setLong(this, field.getLong(this) + field.getLong(other));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The counters that moved since {@code before} (a copy taken then), by name, and by how much. */
        TreeMap<String, Long> since(Stats before) {
            TreeMap<String, Long> out = new TreeMap<>();
            try {
                for (java.lang.reflect.Field field : COUNTERS) {
                    long delta = field.getLong(this) - field.getLong(before);
                    if (delta != 0) out.put(field.getName(), delta);
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            return out;
        }

        /** Adds {@code deltas} (see {@link #since}) to these counters. */
        void add(Map<String, Long> deltas) {
            try {
                for (java.lang.reflect.Field field : COUNTERS) {
                    Long delta = deltas.get(field.getName());
                    if (delta != null) field.setLong(this, field.getLong(this) + delta);
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    public Core(Plan plan, long seed, Faults faults, DecisionProvider decisions) {
        String misfit = faults.problemWith(plan);
        if (misfit != null) throw new IllegalArgumentException(misfit);
        this.plan = plan;
        this.seed = seed;
        this.faults = faults;
        this.decisions = decisions;
        this.rng = seed ^ 0x5DEECE66DL;
        if (rng == 0) rng = 1;
        int total = 0;
        moduleFirst = new int[plan.modules.size() + 1];
        keyIndex = new Map[plan.modules.size()];
        for (Plan.ModulePlan m : plan.modules) {
            moduleFirst[m.index] = total;
            total += m.keys.size();
        }
        moduleFirst[plan.modules.size()] = total;
        insts = new Inst[total];
        denseKeys = new boolean[plan.modules.size()];
        for (Plan.ModulePlan m : plan.modules) {
            keyIndex[m.index] = new HashMap<>();
            boolean dense = true;
            for (int k = 0; k < m.keys.size(); k++) {
                int idx = moduleFirst[m.index] + k;
                Object key = m.keys.get(k);
                insts[idx] = new Inst(idx, m.index, key, m.name + "[" + Values.str(key) + "]");
                keyIndex[m.index].put(normalizeKey(key), idx);
                dense &= key instanceof Long l && l == k;
            }
            denseKeys[m.index] = dense;
        }
        for (int i = 0; i < plan.events.size(); i++) waiters.add(new ArrayList<>());
        subscribers = new Sub[plan.events.size()][];
        for (int e = 0; e < plan.events.size(); e++) {
            List<Sub> subs = new ArrayList<>();
            for (Plan.ModulePlan m : plan.modules) {
                Plan.On on = m.handlers.get(e);
                if (on == null) continue;
                Fiber rf = null;
                if (on.route() != null) {
                    rf = new Fiber(0, on.body(), Fiber.Owner.LOAD, -1, null);
                    rf.ctx = this;
                }
                subs.add(new Sub(m, on, rf));
            }
            subscribers[e] = subs.toArray(new Sub[0]);
        }
        eventCounts = new long[plan.events.size()];
        loadEmitted = new long[plan.loads.size()];
        loadCarry = new double[plan.loads.size()];
        loadDone = new boolean[plan.loads.size()];
        loadFibers = new Fiber[plan.loads.size()];
    }

    // ================================================================== start and drive

    /** Initialises state and schedules ticks, loads and (in simulation) crashes. */
    public void start() {
        initialise();
        for (Inst inst : insts) {
            for (Plan.Tick t : plan.modules.get(inst.module).ticks) schedule(periodMs(t.period()), Task.TICK, inst.index, 0, t.index(), null);
        }
        for (Plan.LoadPlan l : plan.loads) schedule(l.start().toMillis(), Task.LOAD, l.index(), 0, 0, null);
        for (Plan.FaultPlan fp : plan.faults) {
            Integer idx = keyIndex[fp.module()].get(normalizeKey(fp.key()));
            if (idx == null) {
                throw new ValueError("Fault " + fp.name() + ": " + Values.show(fp.key()) + " is not an instance of " + plan.modules.get(fp.module()).name);
            }
            schedule(fp.atMs(), Task.CRASH, idx, 0, Math.max(1, fp.downMs()), null);
        }
        scheduleCrashes();
    }

    /** Gives every global and every instance's state its initial value (in program order: the same random draws every time). */
    private void initialise() {
        Fiber init = new Fiber(0, new dev.baton.runtime.plan.Body(-1, "init", plan.file), Fiber.Owner.LOAD, -1, null);
        init.ctx = this;
        plan.globals.forEach((name, ev) -> store.put(name, ev.eval(init)));
        for (Inst inst : insts) {
            initState(inst);
            inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "IDLE");
            inst.ticksQueued = new int[plan.modules.get(inst.module).ticks.size()];
        }
    }

    private void initState(Inst inst) {
        Plan.ModulePlan m = plan.modules.get(inst.module);
        inst.state = new Object[m.stateNames.size()];
        Fiber f = new Fiber(0, new dev.baton.runtime.plan.Body(-1, "init", plan.file), Fiber.Owner.INSTANCE, inst.index, null);
        f.ctx = this;
        for (int i = 0; i < m.stateInits.size(); i++) inst.state[i] = m.stateInits.get(i).eval(f);
    }

    private static long periodMs(Duration d) {
        return Math.max(1, (d.toNanos() + 999_999) / 1_000_000);
    }

    public long now() {
        return now;
    }

    /** Time of the next task, or Long.MAX_VALUE when there is none. */
    public long nextTime() {
        Task t = tasks.peek();
        long next = t == null ? Long.MAX_VALUE : t.time();
        // a workflow running apart may end before: its completion is not on the timeline yet
        for (Detached d : detached.values()) if (d.outcome == null) next = Math.min(next, Math.max(now, runner.nextTime(d)));
        return next;
    }

    /** Processes every task due at or before {@code until}; engine time ends at {@code until}. */
    public void runUntil(long until) {
        held = false;
        while (true) {
            Task t = tasks.peek();
            if (!detached.isEmpty() && !resolveDetached(t != null && t.time() <= until ? t : null, until)) {
                held = true;
                return; // engine time stays where it is until the run apart tells how it ends
            }
            t = tasks.peek();
            if (t == null || t.time() > until) break;
            if (hotRunner != null && t.kind() == Task.DELIVER && hotInst[t.target()] && !hotKnown.containsKey(t.seq())) {
                byte[] batch = hotBatch(t.time());
                byte[] out = hotRunner.run(batch);
                if (out == null) {
                    hotWaiting = batch;
                    held = true;
                    return; // engine time stays here until the batch's outcomes are told
                }
                hotTold(out);
            }
            step();
        }
        if (until > now) now = until;
    }

    /**
     * Makes sure no run apart ends before {@code next} (or, when null, at or before {@code until}):
     * the completion of each that does is put on the timeline at its place. False when one cannot
     * tell yet (a Temporal child workflow still running): nothing may happen after its start then.
     */
    private boolean resolveDetached(Task next, long until) {
        long upTo = next == null ? until : next.time();
        for (Detached d : detached.values()) {
            if (d.outcome != null) continue;
            if (next != null && (next.time() < d.startedAt || next.time() == d.startedAt && next.seq() < d.seq)) continue;
            Detached.Outcome o = runner.at(d, upTo);
            if (o == null) return false;
            if (o == Detached.Runner.RUNNING) continue;
            d.outcome = o;
            tasks.add(new Task(Math.max(o.end(), now), d.seq, Task.DETACHED, -1, 0, 0, d.id));
        }
        return true;
    }

    /** True when the last {@link #runUntil} stopped short of its time, waiting for a workflow run apart. */
    public boolean held() {
        return held;
    }

    /**
     * Runs every workflow inline, self-contained or not, as builds before runs apart did (for a
     * Temporal run recorded by such a build, which must replay the same).
     */
    public void runAllInline() {
        runApart = false;
    }

    /** Where this core's workflows run apart go (the embedded default: a core of their own each). */
    public void setRunner(Detached.Runner runner) {
        this.runner = runner;
    }

    /** The workflows running apart, in start order. */
    public java.util.Collection<Detached> detachedRuns() {
        return java.util.Collections.unmodifiableCollection(detached.values());
    }

    /** True while a workflow runs apart whose outcome is not known yet (a snapshot could not carry it). */
    public boolean detachedOut() {
        for (Detached d : detached.values()) if (d.outcome == null) return true;
        return false;
    }

    /**
     * A core that runs one self-contained workflow apart: no modules, loads or faults of its own,
     * the declared {@code Param}s, its own random stream, engine time from the run's start.
     */
    public static Core apart(Plan plan, Faults faults, DecisionProvider decisions, Detached run) {
        Core c = new Core(plan, run.seed, faults, decisions);
        c.now = run.startedAt;
        Fiber init = new Fiber(0, new dev.baton.runtime.plan.Body(-1, "init", plan.file), Fiber.Owner.LOAD, -1, null);
        init.ctx = c;
        for (String p : plan.params.keySet()) c.store.put(p, plan.globals.get(p).eval(init));
        c.rootId = run.id;
        c.startWorkflow(null, run.workflow, run.args, run.id);
        c.workflows.get(run.id).depth = run.depth;
        return c;
    }

    /** In a core made by {@link #apart}: how its workflow ended, or null while it runs. */
    public Detached.Outcome outcome() {
        if (rootEnded < 0) return null;
        Wf w = workflows.get(rootId);
        Map<String, Long> others = workflowsByStatus();
        others.merge(w.status, -1L, Long::sum);
        others.values().removeIf(n -> n == 0);
        return new Detached.Outcome(w.status, w.status.equals("COMPLETED") ? w.result : w.error, rootEnded, stats,
                List.copyOf(errors), List.copyOf(failures), others);
    }

    /** A run apart ended: its parent learns how, as it would from the same workflow run inline. */
    private void detachedEnded(String id) {
        Detached d = detached.remove(id);
        if (d == null) return; // cancelled meanwhile
        Detached.Outcome o = d.outcome;
        Wf w = workflows.get(id);
        absorb(o);
        w.status = Lifecycle.WORKFLOW.move(w.status, o.status());
        if (o.ok()) w.result = o.value();
        else w.error = Values.str(o.value());
        notifyParent(w, o.ok() ? w.result : new dev.baton.runtime.plan.CallFailure("child workflow " + w.id
                + (o.status().equals("CANCELLED") ? " was cancelled" : " failed: " + w.error)));
    }

    /**
     * Cancels a run apart. It has no effects to undo (it is self-contained), but what it did up to
     * now counts, as it would inline: the engine's runner tells, or it is worked out again here
     * (a run apart is a pure function of what started it).
     */
    private void cancelDetached(Detached d) {
        detached.remove(d.id);
        Detached.Outcome partial = runner.cancelled(d, now);
        if (partial == null) partial = apart(plan, faults, decisions, d).cancelAt(now);
        Wf w = workflows.get(d.id);
        absorb(partial);
        if (!partial.status().equals("CANCELLED")) {
            // it ended at this very engine time, after the cancellation in the run's order: cancelled all the same
            if (partial.ok()) stats.workflowsCompleted--;
            else stats.workflowsFailed--;
            stats.workflowsCancelled++;
        }
        w.status = Lifecycle.WORKFLOW.move(w.status, "CANCELLED");
        w.error = "cancelled";
        notifyParent(w, new dev.baton.runtime.plan.CallFailure("child workflow " + w.id + " was cancelled"));
    }

    /** Adds what a run apart did — counters, errors, failures, the states its workflows ended in — to this run's. */
    private void absorb(Detached.Outcome o) {
        stats.add(o.stats());
        stats.workflowsStarted--; // counted here when it started
        for (RunError e : o.errors()) if (errors.size() < MAX_ERRORS_KEPT) errors.add(e);
        for (RunError e : o.failures()) if (failures.size() < MAX_ERRORS_KEPT) failures.add(e);
        o.workflows().forEach((status, n) -> apartWorkflows.merge(status, n, Long::sum));
    }

    /** In a core made by {@link #apart}: runs it to {@code at} and cancels its workflow there (unless it ended); how it ended. */
    Detached.Outcome cancelAt(long at) {
        runUntil(at);
        if (rootEnded < 0) cancel(rootId, true);
        if (rootEnded < 0) rootEnded = now; // defensive: a cancelled workflow always ends
        return outcome();
    }

    /** Ids longer than this are not extended by their children: they are named after a digest of it instead. */
    private static final int MAX_PATH_ID = 200;

    /**
     * A child workflow's id: its parent's, then its name and number ({@code Campaign-3/Pursue-1}).
     * A deep recursion would make each id as long as its depth (quadratic memory in all): past
     * {@link #MAX_PATH_ID} characters a parent is named by a digest of its id instead
     * ({@code ~5f0c…/Pursue-1}), still one id per workflow, and as short at any depth.
     */
    static String childId(String parentId, String name, long n) {
        String prefix = parentId;
        if (parentId.length() > MAX_PATH_ID) {
            try {
                byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(parentId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                prefix = "~" + java.util.HexFormat.of().formatHex(d, 0, 12);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return prefix + "/" + name + "-" + n;
    }

    /** The seed of a run apart's random stream: the run's seed and the workflow id, mixed. */
    private long seedFor(String id) {
        long h = seed ^ 0x9E3779B97F4A7C15L;
        for (int i = 0; i < id.length(); i++) h = (h ^ id.charAt(i)) * 0x100000001B3L;
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    /** Processes one task. */
    public void step() {
        Task t = tasks.poll();
        if (t == null) return;
        if (hotInst != null && t.kind() == Task.DELIVER && hotInst[t.target()]) hotQueued.remove(t);
        now = t.time();
        mix(t.time());
        mix(t.kind() * 31L + t.target());
        // Only a load delivers events inline (the hot path); anything a handler or workflow
        // emits goes through the timeline, so no chain of handlers can deepen the stack.
        if (t.kind() != Task.LOAD) delivering++;
        try {
            dispatch(t);
        } finally {
            if (t.kind() != Task.LOAD) delivering--;
        }
    }

    private void dispatch(Task t) {
        switch (t.kind()) {
            case Task.DELIVER -> {
                if (hotInst != null && hotInst[t.target()]) deliverHot(insts[t.target()], (Msg) t.value(), t.seq());
                else deliver(insts[t.target()], (Msg) t.value());
            }
            case Task.TICK -> tick(insts[t.target()], (int) t.token());
            case Task.WAKE -> wake(t.fiber(), t.token(), None.NONE);
            case Task.REPLY -> wake(t.fiber(), t.token(), t.value());
            case Task.TIMEOUT -> timeout(t.fiber(), t.token());
            case Task.LOAD -> load(t.target());
            case Task.CRASH -> crash(insts[t.target()], t.token());
            case Task.LEASE -> leaseExpired(t.token());
            case Task.RESTART -> restart(insts[t.target()]);
            case Task.DETACHED -> detachedEnded((String) t.value());
            default -> throw new IllegalStateException("unknown task kind " + t.kind());
        }
    }

    void schedule(long time, int kind, int target, long fiber, long token, Object value) {
        Task t = new Task(Math.max(time, now), ++taskSeq, kind, target, fiber, token, value);
        tasks.add(t);
        if (hotInst != null && kind == Task.DELIVER && hotInst[target]) hotQueued.add(t);
    }

    // ================================================================== hot modules

    /**
     * Keeps {@code modules} (each storable: see {@code Plan#storable}) out of this core: each call
     * to one runs through {@code runner} (see {@link Hot}), this core keeping their state and
     * globals as the outcomes tell them.
     */
    public void setHot(Hot.Runner runner, java.util.Collection<String> modules) {
        boolean[] hot = new boolean[insts.length];
        for (String m : modules) {
            if (!plan.storable.containsKey(m)) throw new IllegalArgumentException(m + " cannot live on the state store");
            int mi = plan.moduleIndex(m);
            if (Hot.mayCrash(plan, faults, m)) throw new IllegalArgumentException(m + " cannot live on the state store in a run where a fault may crash it");
            for (int i = moduleFirst[mi]; i < moduleFirst[mi + 1]; i++) hot[i] = true;
        }
        this.hotRunner = runner;
        this.hotInst = hot;
        hotQueued.clear();
        for (Task t : tasks) if (t.kind() == Task.DELIVER && hot[t.target()]) hotQueued.add(t);
    }

    /** True when the last {@link #runUntil} stopped short for a batch of calls to hot modules; {@link #hotWaiting()} is the batch. */
    public boolean heldOnHot() {
        return held && hotWaiting != null;
    }

    /** The batch this core holds for (see {@link #heldOnHot}), or null. */
    public byte[] hotWaiting() {
        return hotWaiting;
    }

    /** The calls to hot instances due at {@code time} whose outcome is not known, in timeline order. */
    private byte[] hotBatch(long time) {
        List<Hot.Delivery> batch = new ArrayList<>();
        for (Task t : hotQueued) {
            if (t.time() > time) break;
            if (!hotKnown.containsKey(t.seq())) batch.add(new Hot.Delivery(t.seq(), t.time(), t.target(), (Msg) t.value()));
        }
        return Hot.encodeBatch(batch);
    }

    // ================================================================== partitions

    /**
     * Makes this core partition {@code p} of {@code n} of one run: of each module in
     * {@code partitioned} it keeps the instances whose place in the module is {@code p} modulo
     * {@code n}; every other module lives in partition 0. Each partition runs the loads (their
     * events reach the instances it keeps; partition 0 counts and publishes them); the partitions
     * share the run's hot modules (calls from a partition's workflows carry its index, so callers
     * stay apart). Call after {@link #start}, before the run goes on.
     */
    public void setPartition(int p, int n, java.util.Collection<String> partitioned) {
        if (n < 1 || p < 0 || p >= n) throw new IllegalArgumentException("partition " + p + " of " + n);
        partition = p;
        partitions = n;
        if (n == 1) {
            elsewhere = null;
            return;
        }
        boolean[] away = new boolean[insts.length];
        for (Plan.ModulePlan m : plan.modules) {
            boolean split = partitioned.contains(m.name);
            for (int k = 0; k < m.keys.size(); k++) away[moduleFirst[m.index] + k] = split ? k % n != p : p != 0;
        }
        elsewhere = away;
    }

    /** What this partition did, for partition 0 to {@link #absorbPartition}: its instances' states, counters, errors, workflows. */
    public byte[] partitionResult() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            int kept = 0;
            for (Inst i : insts) if (elsewhere == null || !elsewhere[i.index]) kept++;
            out.writeInt(kept);
            for (Inst i : insts) {
                if (elsewhere != null && elsewhere[i.index]) continue;
                out.writeInt(i.index);
                out.writeLong(i.handled);
                out.writeInt(i.state.length);
                for (Object v : i.state) ValueCodec.write(out, v);
            }
            Detached.Outcome summary = new Detached.Outcome("PARTITION", None.NONE, now, stats, errors, failures, new TreeMap<>(workflowsByStatus()));
            CoreCodec.writeOutcome(summary, out);
            out.writeInt(eventCounts.length);
            for (long c : eventCounts) out.writeLong(c);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** In partition 0: takes in what partition {@code result} did (its instances' states replace this core's copies). */
    public void absorbPartition(byte[] result) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(result))) {
            int kept = in.readInt();
            for (int k = 0; k < kept; k++) {
                Inst i = insts[in.readInt()];
                long handled = in.readLong();
                int ns = in.readInt();
                Object[] state = new Object[ns];
                for (int s = 0; s < ns; s++) state[s] = ValueCodec.read(in);
                if (elsewhere != null && !elsewhere[i.index]) continue; // this partition's own (a hot module's copy, say)
                i.handled = handled;
                i.state = state;
            }
            Detached.Outcome o = CoreCodec.readOutcome(in);
            stats.add(o.stats());
            for (RunError e : o.errors()) if (errors.size() < MAX_ERRORS_KEPT) errors.add(e);
            for (RunError e : o.failures()) if (failures.size() < MAX_ERRORS_KEPT) failures.add(e);
            o.workflows().forEach((status, n) -> apartWorkflows.merge(status, n, Long::sum));
            int ne = in.readInt();
            for (int e = 0; e < ne && e < eventCounts.length; e++) eventCounts[e] += in.readLong();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Sets this core's copy of hot module {@code module} (its state and owned globals) from its record on the store. */
    public void hotRefresh(String module, byte[] record) {
        if (record == null) return;
        int inst = moduleFirst[plan.moduleIndex(module)];
        Hot.load(this, inst, List.copyOf(plan.storable.get(module)), record);
    }

    /** Tells this core the outcomes of a batch (from its runner); it goes on at the next {@link #runUntil}. */
    public void hotTold(byte[] outcomes) {
        hotKnown.putAll(Hot.decodeOutcomes(outcomes));
        hotWaiting = null;
    }

    /** A call reaching a hot instance: what it did there, done here (as {@link #run} and {@link #complete} would). */
    private void deliverHot(Inst inst, Msg m, long seq) {
        Hot.Outcome o = hotKnown.remove(seq);
        if (o == null) throw new IllegalStateException("a call to " + inst.name + " was delivered before its outcome was known");
        if (o.ran) {
            ++fiberSeq;
            inst.handled++;
        }
        for (Hot.Start st : o.starts) startWorkflow(null, st.workflow(), st.args(), st.id());
        o.globals.forEach(store::put);
        o.state.forEach((slot, v) -> inst.state[slot] = v);
        stats.add(o.stats);
        for (Hot.Recorded r : o.errors) {
            List<RunError> list = r.declared() ? failures : errors;
            if (list.size() < MAX_ERRORS_KEPT) list.add(r.error());
        }
        if (o.reply != null) reply(m, o.reply);
    }

    /** Makes this core a {@link Hot.Host}'s: globals and states initialised, nothing scheduled, {@code inst} answering calls. */
    void host(int inst) {
        initialise();
        hostInst = inst;
    }

    /** In a host's core: runs a batch of calls (see {@link #hotBatch}) against the loaded record; their outcomes. */
    byte[] hostRun(byte[] calls) {
        Inst inst = insts[hostInst];
        java.util.Set<String> owned = plan.storable.get(plan.modules.get(inst.module).name);
        TreeMap<Long, Hot.Outcome> outcomes = new TreeMap<>();
        for (Hot.Delivery d : Hot.decodeBatch(calls)) {
            if (d.target() != hostInst) throw new IllegalStateException("a call to " + insts[d.target()].name + " reached the host of " + inst.name);
            now = d.time();
            Stats before = new Stats();
            before.add(stats);
            Map<String, Object> globalsBefore = new java.util.HashMap<>();
            for (String g : owned) globalsBefore.put(g, store.get(g));
            Object[] stateBefore = new Object[inst.state.length];
            for (int k = 0; k < stateBefore.length; k++) stateBefore[k] = Hot.plain(inst.state[k]);
            long handledBefore = inst.handled;
            hostOut = new Hot.Outcome();
            try {
                deliver(inst, d.msg());
            } finally {
                Hot.Outcome o = hostOut;
                hostOut = null;
                o.ran = inst.handled != handledBefore;
                for (String g : owned) if (store.get(g) != globalsBefore.get(g)) o.globals.put(g, store.get(g));
                for (int k = 0; k < stateBefore.length; k++) {
                    Object v = Hot.plain(inst.state[k]);
                    if (v != stateBefore[k]) o.state.put(k, v);
                }
                o.stats.putAll(stats.since(before));
                outcomes.put(d.seq(), o);
            }
        }
        return Hot.encodeOutcomes(outcomes);
    }

    // ================================================================== loads

    private void load(int i) {
        Plan.LoadPlan l = plan.loads.get(i);
        if (loadDone[i]) return;
        long end = l.duration() == null ? Long.MAX_VALUE : l.start().toMillis() + l.duration().toMillis();
        if (now >= end || l.total() >= 0 && loadEmitted[i] >= l.total() || l.until() != null && untilHolds(i, l)) {
            loadDone[i] = true;
            return;
        }
        long stepMs = l.rate() >= 1000 ? 1 : Math.max(1, (long) Math.ceil(1000 / l.rate()));
        loadCarry[i] += l.rate() * stepMs / 1000.0;
        long n = (long) loadCarry[i];
        loadCarry[i] -= n;
        if (l.total() >= 0) n = Math.min(n, l.total() - loadEmitted[i]);
        Fiber f = loadFibers[i];
        if (f == null) {
            f = new Fiber(0, l.body(), Fiber.Owner.LOAD, -1, null);
            f.ctx = this;
            loadFibers[i] = f;
        }
        for (long k = 0; k < n; k++) {
            long seq = loadEmitted[i]++;
            Arrays.fill(f.locals, null);
            f.locals[l.actorSlot()] = seq % l.population();
            f.locals[l.seqSlot()] = seq;
            f.pc = 0;
            runLoadBody(f, l);
        }
        if (partition == 0) stats.loadEvents += n;
        if (l.total() >= 0 && loadEmitted[i] >= l.total()) {
            loadDone[i] = true;
            return;
        }
        schedule(now + stepMs, Task.LOAD, i, 0, 0, null);
    }

    private boolean untilHolds(int i, Plan.LoadPlan l) {
        Fiber f = loadFibers[i];
        if (f == null) {
            f = new Fiber(0, l.body(), Fiber.Owner.LOAD, -1, null);
            f.ctx = this;
            loadFibers[i] = f;
        }
        try {
            return Values.truthy(l.until().eval(f));
        } catch (RuntimeException e) {
            recordError(f, l.body().code.length > 0 ? l.body().code[0].span : Span.NONE, "Load " + l.name() + " (until)", e);
            return true;
        }
    }

    private void runLoadBody(Fiber f, Plan.LoadPlan l) {
        Instr[] code = l.body().code;
        int pc = 0;
        long steps = 0;
        try {
            while (pc >= 0 && pc < code.length) {
                if (++steps > MAX_STEPS) throw new ValueError("ran " + String.format(java.util.Locale.ROOT, "%,d", MAX_STEPS)
                        + " steps for one run of the load (a loop that does not end?)");
                pc = code[pc].exec(f, pc);
            }
        } catch (RuntimeException e) {
            recordError(f, code[Math.max(0, Math.min(pc, code.length - 1))].span, "Load " + l.name(), e);
        }
    }

    /** True when every load generator has finished. */
    public boolean loadsDone() {
        for (boolean d : loadDone) if (!d) return false;
        return true;
    }

    /**
     * True when only background remains: loads done, no workflow running or waiting on a
     * timer, no event or command ({@code /execute}) call queued or in flight. Ticks and
     * read-only queries do not count as work. (The engine also requires that no command call
     * starts for a while before it stops; see {@code Stats.commandCalls}.)
     */
    public boolean settled() {
        if (!loadsDone() || !detached.isEmpty()) return false;
        for (Pending p : pending.values()) if (!isQuery(insts[p.target()].module, p.msg())) return false;
        for (Wf w : workflows.values()) {
            if (w.fiber != null && (!w.status.equals("AWAITING") || w.timedWait)) return false;
        }
        for (Inst i : insts) {
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
        for (Inst i : insts) for (Object v : i.state) h = h * 31 + Values.stableHash(v);
        for (Object v : store.all().values()) h = h * 31 + Values.stableHash(v);
        return h;
    }

    // ================================================================== instances

    /**
     * With the real clock: the engine time the wall clock has reached. A tick that comes a whole
     * period or more late (handlers slower than the wall clock) is then a missed tick, and its
     * policy applies — {@code coalesce} runs it once for all it missed, {@code skip} drops it,
     * {@code catch_up} runs every one. Null on the fast clock and in simulation (no tick is late).
     */
    private java.util.function.LongSupplier wallClock;

    /** Tells the core how far the wall clock has got, in engine time (the real clock; see {@link #wallClock}). */
    public void setWallClock(java.util.function.LongSupplier engineTimeOfTheWallClock) {
        this.wallClock = engineTimeOfTheWallClock;
    }

    private void tick(Inst inst, int tick) {
        if (elsewhere != null && elsewhere[inst.index]) return; // it ticks in its own partition
        Plan.Tick t = plan.modules.get(inst.module).ticks.get(tick);
        long period = periodMs(t.period());
        long late = wallClock == null || t.missed() == Plan.Missed.CATCH_UP ? 0 : (wallClock.getAsLong() - now) / period;
        if (late > 0) {
            // behind the wall clock by `late` periods: the next tick is the first one not yet past
            schedule(now + period * (late + 1), Task.TICK, inst.index, 0, tick, null);
            if (inst.crashed) return;
            stats.ticks += late + 1;
            stats.ticksSkipped += t.missed() == Plan.Missed.SKIP ? late + 1 : late;
            if (t.missed() == Plan.Missed.SKIP) return;
        } else {
            schedule(now + period, Task.TICK, inst.index, 0, tick, null);
            if (inst.crashed) return;
            stats.ticks++;
        }
        if (inst.current != null) {
            if (t.missed() == Plan.Missed.SKIP || t.missed() == Plan.Missed.COALESCE && inst.ticksQueued[tick] > 0) {
                stats.ticksSkipped++;
                return;
            }
            inst.ticksQueued[tick]++;
        }
        deliver(inst, Msg.tick(tick));
    }

    void deliver(Inst inst, Msg m) {
        if (elsewhere != null && elsewhere[inst.index]) {
            // its partition has it (events reach every partition; each keeps its own instances')
            if (m.kind() == Msg.CALL) reply(m, new dev.baton.runtime.plan.CallFailure(inst.name + " lives in another partition of the run"));
            return;
        }
        if (inst.crashed) {
            if (m.kind() == Msg.EVENT) {
                // events are durable: held for the instance, delivered when it is back
                stats.eventsHeldWhileDown++;
                inst.mailbox.add(m);
            } else {
                stats.messagesDropped++; // a call is lost (its caller times out and retries); a tick is simply missed
            }
            return;
        }
        if (inst.current != null) {
            inst.mailbox.add(m);
            return;
        }
        run(inst, m);
        drain(inst);
    }

    /**
     * Runs queued messages while the instance is idle. Iterative: a handler that completes
     * inside this loop finds {@code draining} set and returns, so a long mailbox never
     * deepens the stack.
     */
    private void drain(Inst inst) {
        if (inst.draining) return;
        inst.draining = true;
        try {
            while (inst.current == null && !inst.crashed && !inst.mailbox.isEmpty()) run(inst, inst.mailbox.poll());
        } finally {
            inst.draining = false;
        }
    }

    private void run(Inst inst, Msg m) {
        Plan.ModulePlan mod = plan.modules.get(inst.module);
        dev.baton.runtime.plan.Body body;
        Object payload = None.NONE;
        if (m.kind() == Msg.EVENT) {
            body = mod.handler(m.handler()).body();
            payload = m.payload();
        } else if (m.kind() == Msg.TICK) {
            body = mod.ticks.get(m.handler()).body();
            inst.ticksQueued[m.handler()] = Math.max(0, inst.ticksQueued[m.handler()] - 1);
        } else {
            if (!admitCall(inst, m)) return;
            Plan.Endpoint e = mod.endpoints.get(m.handler());
            body = e.body();
            payload = m.payload();
        }
        Fiber f = new Fiber(++fiberSeq, body, Fiber.Owner.INSTANCE, inst.index, null);
        f.ctx = this;
        f.payload = payload;
        if (m.kind() == Msg.CALL) {
            Plan.Endpoint e = mod.endpoints.get(m.handler());
            PSortedMap<String, Object> args = payload instanceof PSortedMap<?, ?> pm ? Values.map(pm) : Values.EMPTY_MAP;
            for (int i = 0; i < e.paramSlots().length; i++) {
                Object v = args.get(e.params().get(i));
                if (v == null && e.defaults().get(i) != null) v = e.defaults().get(i).eval(f);
                f.locals[e.paramSlots()[i]] = v == null ? None.NONE : v;
            }
        }
        inst.current = f;
        inst.currentMsg = m;
        inst.callSeqAtStart = inst.callSeq;
        inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "RUNNING");
        inst.handled++;
        stats.handlerRuns++;
        if (m.kind() == Msg.CALL) callMsgs.put(f.id, m);
        if (handlerTimer == null) {
            exec(f, 0);
        } else {
            long started = handlerTimer.started();
            exec(f, 0);
            handlerTimer.ran(m.kind() == Msg.EVENT ? 0 : m.kind() == Msg.TICK ? 1 : 2, inst.index, m.handler(), now, started);
        }
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

    private HandlerTimer handlerTimer;

    /** Times every handler run (wall clock; observation only, not part of a snapshot). */
    public void setHandlerTimer(HandlerTimer t) {
        this.handlerTimer = t;
    }

    /** The CALL message each running endpoint fiber answers. */
    final Map<Long, Msg> callMsgs = new HashMap<>();

    /** De-duplication and fencing of a call; false when it must not run. */
    private boolean admitCall(Inst inst, Msg m) {
        if (m.fenceKeys() != null) {
            for (String k : m.fenceKeys().split("\n")) {
                Long high = inst.fences.get(k);
                if (high != null && m.fenceToken() < high) {
                    stats.callsFenced++;
                    reply(m, new dev.baton.runtime.plan.CallFailure("stale fencing token " + m.fenceToken() + " for lock '" + k
                            + "' (a newer holder has token " + high + ")"));
                    return false;
                }
            }
            for (String k : m.fenceKeys().split("\n")) inst.fences.merge(k, m.fenceToken(), Math::max);
        }
        // a duplicate delivery of the same attempt replays that attempt's reply (success or failure)
        long[] last = inst.lastSeq.get(m.caller());
        if (last != null && m.epoch() < last[0]) {
            // sent by an earlier incarnation of its caller before that one crashed, arriving late: it is
            // still a call that was made (its caller's state is gone, not the call), so it is applied —
            // once: its own (caller, epoch) keeps its sequence
            long[] old = inst.lastSeq.get(earlierIncarnation(m.caller(), m.epoch()));
            if (old != null && m.seq() <= old[1]) {
                stats.callsDeduplicated++;
                return false;
            }
        } else if (last != null) {
            if (m.epoch() == last[0] && m.seq() <= last[1]) {
                stats.callsDeduplicated++;
                if (m.seq() == last[1]) reply(m, inst.lastReply.get(m.caller()));
                return false;
            }
        }
        // a retry under the same key (a new attempt) gets the first success again; a failed attempt changed nothing
        if (m.key() != null) {
            Object reply = inst.keyed.get(m.key());
            if (reply != null) {
                stats.callsDeduplicated++;
                inst.lastSeq.put(m.caller(), new long[] {m.epoch(), m.seq()});
                inst.lastReply.put(m.caller(), reply);
                reply(m, reply);
                return false;
            }
        }
        return true;
    }

    private void reply(Msg m, Object value) {
        if (hostOut != null) {
            hostOut.reply = value;
            return;
        }
        send(-1, Task.REPLY, m.fiber(), m.token(), value, null);
    }

    // ================================================================== fibers

    private void exec(Fiber f, int pc) {
        interpret(f, pc, false, null);
    }

    private void resume(Fiber f, Object value) {
        interpret(f, f.pc, true, value);
    }

    /** The interpreter loop: runs a fiber until it suspends, returns or fails; failures unwind through its frames. */
    private void interpret(Fiber f, int pc, boolean resuming, Object value) {
        Instr[] code = f.body.code;
        long steps = 0;
        boolean resumeFirst = resuming;
        while (true) {
            try {
                if (resumeFirst) {
                    resumeFirst = false;
                    pc = code[pc].resume(f, pc, value);
                }
                while (pc >= 0 && pc < code.length) {
                    f.pc = pc;
                    if (++steps > MAX_STEPS) {
                        throw new ValueError("ran " + String.format(java.util.Locale.ROOT, "%,d", MAX_STEPS) + " steps without waiting"
                                + " (a loop that does not end?): a handler, or a workflow between two waits, may take at most that many,"
                                + " so that one cannot stall every other");
                    }
                    pc = code[pc].exec(f, pc);
                }
                break;
            } catch (RuntimeException e) {
                steps = 0; // what unwinding runs (compensations, a catch) has a budget of its own
                int next = f.frames.isEmpty() ? UNWIND_FAILED : unwind(f, e);
                if (next == UNWIND_SUSPENDED) return;
                if (next == UNWIND_FAILED) {
                    fail(f, code[Math.min(Math.max(f.pc, 0), code.length - 1)].span, f.frames.isEmpty() && unwound != null ? unwound : e);
                    unwound = null;
                    return;
                }
                unwound = null;
                pc = next;
            }
        }
        if (pc != Instr.SUSPEND) complete(f);
    }

    /**
     * The most statements a handler — or a workflow between two waits — runs in one go. The
     * engine is one thread: without a bound, a loop that does not end (even one within its own
     * {@code [max: N]}) would stop every other module's handlers and ticks for good.
     */
    public static final long MAX_STEPS = 100_000_000;

    private static final int UNWIND_SUSPENDED = -10;
    private static final int UNWIND_FAILED = -11;
    /** The error a failed unwinding ends with (an escalation may replace the original). */
    private RuntimeException unwound;

    /**
     * A failure travels through the fiber's frames, innermost first: a lock is released; a
     * saga before its pivot starts compensating (reverse order); after its pivot it retries
     * the failing step; a failing compensation is retried with backoff and escalates after
     * its limit. Returns the pc to continue at, or UNWIND_SUSPENDED (a retry is scheduled),
     * or UNWIND_FAILED (nothing handled it; {@link #unwound} holds the final error).
     */
    private int unwind(Fiber f, RuntimeException e) {
        RuntimeException err = e;
        while (!f.frames.isEmpty()) {
            int last = f.frames.size() - 1;
            Object top = f.frames.get(last);
            if (top instanceof LockFrame lf) {
                f.frames.remove(last);
                releaseKeys(lf);
                continue;
            }
            SagaFrame sf = (SagaFrame) top;
            SagaLayout saga = (SagaLayout) f.body.code[sf.beginPc];
            if (!sf.compensating) {
                if (f.cancelling && f.noCompensate) {
                    f.frames.remove(last);
                    continue;
                }
                if (sf.pivotPassed && !f.cancelling) {
                    int limit = saga.retries(f, sf.current, false);
                    if (sf.attempts < limit) {
                        sf.attempts++;
                        f.pc = saga.stepStart(sf.current);
                        retryLater(f, backoff(sf.attempts));
                        return UNWIND_SUSPENDED;
                    }
                    f.frames.remove(last);
                    err = new dev.baton.runtime.plan.Failure("step " + saga.stepName(sf.current) + " failed after the pivot and " + limit
                            + " retries: " + message(err));
                    continue;
                }
                if (!f.cancelling && saga.declaresRetry(sf.current)) {
                    // a step that says [retry: n] is tried again (with backoff) before the saga gives up on it
                    int limit = saga.retries(f, sf.current, false);
                    if (sf.attempts < limit) {
                        sf.attempts++;
                        stats.stepRetries++;
                        f.pc = saga.stepStart(sf.current);
                        Duration first = saga.stepBackoff(f, sf.current);
                        retryLater(f, first == null ? backoff(sf.attempts)
                                : Duration.ofMillis(Math.min(60_000, first.toMillis() << Math.min(16, sf.attempts - 1))));
                        return UNWIND_SUSPENDED;
                    }
                }
                sf.compensating = true;
                sf.failure = message(err);
                sf.attempts = 0;
                stats.sagasCompensating++;
                int next = saga.nextCompensation(sf);
                if (next < 0) {
                    if (f.cancelling) {
                        f.frames.remove(last);
                        continue;
                    }
                    return saga.finish(f, "compensated");
                }
                f.blockCalls = 0;
                return next;
            }
            int limit = saga.retries(f, -1, true);
            if (sf.attempts < limit) {
                sf.attempts++;
                stats.compensationRetries++;
                f.pc = saga.nextCompensation(sf);
                f.blockCalls = 0;
                retryLater(f, backoff(sf.attempts));
                return UNWIND_SUSPENDED;
            }
            f.frames.remove(last);
            int step = sf.completed.isEmpty() ? -1 : sf.completed.get(sf.completed.size() - 1);
            err = new dev.baton.runtime.plan.Failure("compensation of step " + (step < 0 ? "?" : saga.stepName(step)) + " failed "
                    + (limit + 1) + " times (" + message(err) + "); the saga needs attention");
        }
        unwound = err;
        return UNWIND_FAILED;
    }

    private static Duration backoff(int attempt) {
        return Duration.ofMillis(Math.min(5000, 100L << Math.min(10, attempt - 1)));
    }

    /** Marks a fiber suspended at its current instruction, and its owner waiting. */
    private void suspend(Fiber f, String workflowState) {
        suspended.put(f.id, f);
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = insts[f.instance];
            inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "WAITING");
        } else if (isMain(f)) {
            Wf w = workflows.get(f.workflow);
            w.status = Lifecycle.WORKFLOW.move(w.status, workflowState);
        }
    }

    /** True for a workflow's own fiber (not one of its Fork branches). */
    private boolean isMain(Fiber f) {
        if (f.owner != Fiber.Owner.WORKFLOW || f.branch >= 0) return false;
        Wf w = workflows.get(f.workflow);
        return w != null && w.fiber == f;
    }

    private void wake(long fiberId, long token, Object value) {
        if (fiberId < 0) {
            // the reply to a call from outside
            Pending p = pending.get(fiberId);
            if (p == null || p.token() != token) return;
            pending.remove(fiberId);
            outsideReplies.put(fiberId, value);
            return;
        }
        Fiber f = suspended.get(fiberId);
        if (f == null || f.waitToken != token) return;
        Pending call = pending.get(fiberId);
        if (call != null && call.token() == token && value instanceof dev.baton.runtime.plan.CallFailure failed) {
            if (call.retryFailures() && call.attemptsLeft() > 0 && !fenced(failed)) {
                retryFailedCall(f, call);
                return;
            }
            stats.callsFailed++; // the callee failed (its Fail, an error); a lost message is counted where it times out
        }
        suspended.remove(fiberId);
        pending.remove(fiberId);
        f.waitToken = 0;
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = insts[f.instance];
            inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "RUNNING");
        } else if (isMain(f)) {
            Wf w = workflows.get(f.workflow);
            w.status = Lifecycle.WORKFLOW.move(w.status, "RUNNING");
            w.timedWait = false;
        }
        if (f.rerun || f.pc < 0) {
            f.rerun = false;
            if (f.pc < 0) f.pc = 0;
            exec(f, f.pc);
            return;
        }
        resume(f, value);
    }

    /** A call the callee failed, sent again as a new attempt (the callee's de-duplication replays an attempt, not a key's failure). */
    private void retryFailedCall(Fiber f, Pending p) {
        stats.callRetries++;
        Msg m = p.msg();
        long seq = f.owner == Fiber.Owner.INSTANCE ? ++insts[f.instance].callSeq : ++f.callSeq;
        Msg again = new Msg(m.kind(), m.handler(), m.payload(), m.caller(), m.epoch(), seq, m.key(), m.fiber(), m.token(), m.fenceKeys(), m.fenceToken());
        pending.put(f.id, new Pending(p.fiber(), p.token(), p.target(), again, p.attemptsLeft() - 1, Math.min(p.backoffMs() * 2, 5000),
                p.timeoutMs(), p.persistent(), true));
        long at = now + p.backoffMs();
        sendAt(at, p.target(), again, plan.modules.get(insts[p.target()].module).name);
        schedule(at + p.timeoutMs(), Task.TIMEOUT, -1, f.id, p.token(), null);
    }

    /** A refusal no retry can change: the caller's lock or incarnation was superseded. */
    private static boolean fenced(dev.baton.runtime.plan.CallFailure f) {
        String m = f.message();
        return m.startsWith("stale fencing token") || m.startsWith("fenced:");
    }

    private void complete(Fiber f) {
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = insts[f.instance];
            // only a call's handler has an entry (put in run()): an event's or a tick's needs no lookup
            Msg call = inst.current == f && inst.currentMsg != null && inst.currentMsg.kind() != Msg.CALL ? null : callMsgs.remove(f.id);
            if (call != null) {
                Object result = f.result == null ? None.NONE : f.result;
                remember(inst, call, result);
                reply(call, result);
            }
            endHandler(inst);
        } else if (f.branch >= 0) {
            branchDone(f, true, f.result == null ? None.NONE : f.result);
        } else if (f.owner == Fiber.Owner.WORKFLOW) {
            Wf w = workflows.get(f.workflow);
            w.status = Lifecycle.WORKFLOW.move(w.status, "COMPLETED");
            w.result = f.result == null ? None.NONE : f.result;
            w.fiber = null;
            stats.workflowsCompleted++;
            notifyParent(w, w.result);
        }
    }

    /** Tells a child workflow's parent (waiting in Run) how it ended. */
    private void notifyParent(Wf w, Object outcome) {
        if (w.id.equals(rootId) && rootEnded < 0) rootEnded = now;
        if (w.parent == null) return;
        Wf parent = workflows.get(w.parent);
        if (parent != null) parent.children.remove(w.id);
        schedule(now, Task.REPLY, -1, w.parentFiber, w.parentToken, outcome);
    }

    /** Where the sequence of a caller's earlier incarnation is kept, beside its current one's. */
    private static String earlierIncarnation(String caller, long epoch) {
        return caller + "\u0000" + epoch;
    }

    private void remember(Inst inst, Msg call, Object result) {
        long[] last = inst.lastSeq.get(call.caller());
        if (last != null && call.epoch() < last[0]) {
            inst.lastSeq.merge(earlierIncarnation(call.caller(), call.epoch()), new long[] {call.epoch(), call.seq()},
                    (a, b) -> a[1] >= b[1] ? a : b);
        } else {
            if (last != null && call.epoch() > last[0]) {
                // a new incarnation's first call: the last one's position is kept for its calls still on the way
                inst.lastSeq.put(earlierIncarnation(call.caller(), last[0]), last);
            }
            inst.lastSeq.put(call.caller(), new long[] {call.epoch(), call.seq()});
            inst.lastReply.put(call.caller(), result);
        }
        // a failed keyed call changed nothing (rolled back): a retry with the key runs it again
        if (call.key() != null && !(result instanceof dev.baton.runtime.plan.CallFailure)) inst.keyed.put(call.key(), result);
    }

    private void endHandler(Inst inst) {
        inst.current = null;
        inst.currentMsg = null;
        inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "IDLE");
        drain(inst);
    }

    private void fail(Fiber f, Span span, RuntimeException e) {
        String owner = f.owner == Fiber.Owner.INSTANCE ? insts[f.instance].name : f.owner == Fiber.Owner.WORKFLOW ? "workflow " + f.workflow : "load";
        if (!f.cancelling) recordError(f, span, owner, e);
        rollback(f);
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = insts[f.instance];
            stats.handlerFailures++;
            Msg call = callMsgs.remove(f.id);
            if (call != null) {
                dev.baton.runtime.plan.CallFailure failure = new dev.baton.runtime.plan.CallFailure(message(e));
                remember(inst, call, failure);
                reply(call, failure);
            }
            endHandler(inst);
        } else if (f.branch >= 0) {
            branchDone(f, false, message(e));
        } else if (f.owner == Fiber.Owner.WORKFLOW) {
            Wf w = workflows.get(f.workflow);
            boolean cancelled = f.cancelling;
            w.status = Lifecycle.WORKFLOW.move(w.status, cancelled ? "CANCELLED" : "FAILED");
            w.error = message(e);
            w.fiber = null;
            if (cancelled) stats.workflowsCancelled++;
            else stats.workflowsFailed++;
            for (String child : new ArrayList<>(w.children)) cancel(child, !f.noCompensate);
            notifyParent(w, new dev.baton.runtime.plan.CallFailure("child workflow " + w.id + (cancelled ? " was cancelled" : " failed: " + w.error)));
        }
    }

    private void rollback(Fiber f) {
        if (f.owner == Fiber.Owner.INSTANCE && f.rollbackState != null) {
            if (f.undo != null) {
                for (Object v : f.rollbackState) if (v instanceof StateMap m) m.undo(f.undo);
                f.undo = null;
            }
            Object[] state = insts[f.instance].state;
            System.arraycopy(f.rollbackState, 0, state, 0, state.length);
        }
        if (f.owner == Fiber.Owner.INSTANCE && f.rollbackGlobals != null) f.rollbackGlobals.forEach(store::put);
    }

    private static String message(RuntimeException e) {
        if (e instanceof ValueError) return e.getMessage();
        return "internal error (" + e + ")";
    }

    /** Told of every runtime error and declared failure as it is recorded (see {@link #setErrorListener}). */
    public interface ErrorListener {
        /** {@code ordinal}: errors and failures recorded in the run so far, this one included (deterministic). */
        void recorded(long ordinal, RunError error, boolean declared);
    }

    private ErrorListener errorListener;

    /**
     * Tells {@code l} of every error and failure as it is recorded — all of them, where the core
     * itself keeps only the first {@code MAX_ERRORS_KEPT} of each — numbered so that one
     * re-recorded by a replay after a restore can be told from a new one. Not part of a snapshot.
     */
    public void setErrorListener(ErrorListener l) {
        this.errorListener = l;
    }

    private void recordError(Fiber f, Span span, String owner, RuntimeException e) {
        boolean declared = e instanceof dev.baton.runtime.plan.Failure;
        if (declared) stats.failures++;
        else stats.errors++;
        if (errorListener != null && hostOut == null) {
            SourceFile file = plan.file;
            errorListener.recorded(stats.failures + stats.errors, new RunError(file.name() + ":" + file.line(span.start()) + ":"
                    + file.column(span.start()), owner, message(e), now), declared);
        }
        List<RunError> list = declared ? failures : errors;
        if (list.size() < MAX_ERRORS_KEPT || hostOut != null) {
            SourceFile file = plan.file;
            String pos = file.name() + ":" + file.line(span.start()) + ":" + file.column(span.start());
            RunError r = new RunError(pos, owner, message(e), now);
            if (hostOut != null) {
                hostOut.errors.add(new Hot.Recorded(r, declared));
            } else {
                list.add(r);
            }
        }
    }

    public List<RunError> failures() {
        return failures;
    }

    // ================================================================== Context

    @Override
    public double random() {
        long x = rng;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        rng = x;
        return (x >>> 11) * 0x1.0p-53;
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
        return insts[f.instance].state;
    }

    @Override
    public Object instanceKey(Fiber f) {
        if (f.owner == Fiber.Owner.INSTANCE) return insts[f.instance].key;
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

    /** Publishes every emitted event to {@code bus} as well (after delivering it inside the engine). */
    private boolean publishInputs = true;

    /**
     * Whether the events a {@code Load} generates and the external events injected are published
     * to the bus too (the default), or only what modules and workflows emit ({@code baton serve}'s
     * stream: a browser cannot take a million simulated players' events a second). The numbers
     * published stay the emission's number in the run either way.
     */
    public void setPublishInputs(boolean publish) {
        this.publishInputs = publish;
    }

    public void setBus(dev.baton.runtime.EventBus bus) {
        this.bus = bus;
    }

    @Override
    public void emit(Fiber f, int event, Object payload) {
        // in a partition other than the first, a load's events are the first partition's to count and publish
        boolean counted = partition == 0 || f.owner != Fiber.Owner.LOAD;
        if (counted) {
            stats.eventsEmitted++;
            eventCounts[event]++;
        }
        if (counted && (faults.any() || stats.eventsEmitted % 64 == 0)) mix(Values.stableHash(payload) ^ event);
        for (Sub sub : subscribers[event]) {
            Plan.ModulePlan m = sub.module;
            Plan.On on = sub.on;
            Msg msg = Msg.event(event, payload);
            if (on.route() != null) {
                sub.routeFiber.payload = payload;
                Object key = on.route().eval(sub.routeFiber);
                int idx = indexOf(m.index, key);
                if (idx < 0) {
                    throw new ValueError("route " + Values.show(key) + " names no instance of " + m.name + " (keys: "
                            + describeKeys(m) + ")");
                }
                deliverEvent(insts[idx], msg);
            } else {
                for (int i = moduleFirst[m.index]; i < moduleFirst[m.index + 1]; i++) deliverEvent(insts[i], msg);
            }
        }
        List<Waiter> ws = waiters.get(event);
        if (!ws.isEmpty()) matchWaiters(ws, payload);
        if (counted && bus != dev.baton.runtime.EventBus.NONE && (publishInputs || f != null && f.owner != Fiber.Owner.LOAD)) {
            bus.publish(now, ((long) partition << 40) + stats.eventsEmitted, plan.events.get(event).name(), payload);
        }
    }

    /** A module's handler of an event, with the fiber its route expression is evaluated in. */
    private record Sub(Plan.ModulePlan module, Plan.On on, Fiber routeFiber) {
    }

    /** Handlers of each event, by event index, in module order. */
    private final Sub[][] subscribers;

    private static String describeKeys(Plan.ModulePlan m) {
        if (m.keys.size() > 6) return Values.str(m.keys.get(0)) + " … " + Values.str(m.keys.get(m.keys.size() - 1));
        return Values.str(org.pcollections.TreePVector.from(m.keys));
    }

    /** How long a lost event delivery takes to be sent again (the transport's retransmission). */
    private static final long EVENT_REDELIVERY_MS = 100;

    private void deliverEvent(Inst inst, Msg msg) {
        if (elsewhere != null && elsewhere[inst.index]) return;
        if (faults.drop() > 0 || faults.duplicate() > 0 || faults.delay() > 0 || faults.spikeModule() != null) {
            // the simulated network between modules carries events too. Its transport is reliable:
            // a lost delivery is sent again, a duplicate is recognised by its delivery id and
            // discarded at the receiver — so the faults reach an event as lateness (and another
            // order), never as a loss or a second delivery
            long at = now;
            if (faults.drop() > 0 && random() < faults.drop()) {
                stats.messagesDropped++;
                stats.eventsRedelivered++;
                at += EVENT_REDELIVERY_MS;
            }
            if (faults.duplicate() > 0 && random() < faults.duplicate()) {
                stats.messagesDuplicated++;
                stats.eventsDeduplicated++;
            }
            at += latency(plan.modules.get(inst.module).name);
            if (at > now) {
                schedule(at, Task.DELIVER, inst.index, 0, 0, msg);
                return;
            }
        }
        if (delivering > 0) {
            schedule(now, Task.DELIVER, inst.index, 0, 0, msg);
            return;
        }
        delivering++;
        try {
            deliver(inst, msg);
        } finally {
            delivering--;
        }
    }

    private void matchWaiters(List<Waiter> ws, Object payload) {
        Iterator<Waiter> it = ws.iterator();
        while (it.hasNext()) {
            Waiter w = it.next();
            Fiber f = suspended.get(w.fiber());
            if (f == null || f.waitToken != w.token()) {
                it.remove();
                continue;
            }
            dev.baton.runtime.plan.EventWait await = (dev.baton.runtime.plan.EventWait) f.body.code[f.pc];
            boolean match = true;
            if (await.where() != null) {
                Object saved = f.payload;
                f.payload = payload;
                try {
                    match = Values.truthy(await.where().eval(f));
                } catch (RuntimeException e) {
                    match = false;
                } finally {
                    f.payload = saved;
                }
            }
            if (match) {
                it.remove();
                schedule(now, Task.REPLY, -1, w.fiber(), w.token(), payload);
            }
        }
    }

    @Override
    public String startWorkflow(Fiber f, int workflow, Object args, Object id) {
        if (hostOut != null) {
            // a hot endpoint's start happens in the run (a storable module names what it starts)
            hostOut.starts.add(new Hot.Start(workflow, args, id));
            return Values.str(id);
        }
        Plan.WorkflowPlan wp = plan.workflows.get(workflow);
        String wid = id == null || id == None.NONE ? wp.name() + "-" + (++wfSeq) : Values.str(id);
        if (workflows.containsKey(wid)) return wid;
        Wf w = new Wf(wid, workflow, now);
        Fiber wf = new Fiber(++fiberSeq, wp.body(), Fiber.Owner.WORKFLOW, -1, wid);
        wf.ctx = this;
        wf.payload = args;
        PSortedMap<String, Object> a = args instanceof PSortedMap<?, ?> m ? Values.map(m) : Values.EMPTY_MAP;
        for (int i = 0; i < wp.params().size(); i++) {
            Object v = a.get(wp.params().get(i));
            if (v == null && wp.defaults().get(i) != null) v = wp.defaults().get(i).eval(wf);
            wf.locals[wp.paramSlots()[i]] = v == null ? None.NONE : v;
        }
        w.fiber = wf;
        workflows.put(wid, w);
        stats.workflowsStarted++;
        wf.pc = -1;
        wf.waitToken = ++tokenSeq;
        suspended.put(wf.id, wf);
        schedule(now, Task.WAKE, -1, wf.id, wf.waitToken, null);
        return wid;
    }

    /** The instance a call goes to: the module's only one for None, else the one with that key. */
    private int instanceOf(int module, Object key) {
        if (key == None.NONE) return moduleFirst[module];
        int idx = indexOf(module, key);
        if (idx < 0) {
            Plan.ModulePlan m = plan.modules.get(module);
            throw new ValueError(Values.show(key) + " is not an instance of " + m.name + " (keys: " + describeKeys(m) + ")");
        }
        return idx;
    }

    @Override
    public void call(Fiber f, int module, Object key, int endpoint, Object args, CallOptions options) {
        if (f.owner == Fiber.Owner.LOAD) throw new ValueError("a Load block cannot Call; Emit events instead");
        Plan.ModulePlan m = plan.modules.get(module);
        int target = instanceOf(module, key);
        String caller;
        long epoch;
        long seq;
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = insts[f.instance];
            caller = inst.name;
            epoch = inst.epoch;
            seq = ++inst.callSeq;
        } else {
            // each fiber of a workflow (Fork branches included) calls in sequence: its own identity
            caller = (partition > 0 ? "p" + partition + "/" : "") + f.workflow + "#" + f.id;
            epoch = 0;
            seq = ++f.callSeq;
        }
        String fenceKeys = null;
        long fenceToken = 0;
        for (Object fr : f.frames) {
            if (fr instanceof LockFrame lf) {
                if (lf.revoked) throw staleLease(lf);
                fenceKeys = fenceKeys == null ? String.join("\n", lf.keys) : fenceKeys + "\n" + String.join("\n", lf.keys);
                fenceToken = Math.max(fenceToken, lf.token);
            }
        }
        long token = ++tokenSeq;
        f.waitToken = token;
        String idem = options.key() == null || options.key() == None.NONE ? null : Values.str(options.key());
        Msg msg = new Msg(Msg.CALL, endpoint, args, caller, epoch, seq, idem, f.id, token, fenceKeys, fenceToken);
        long timeout = periodMs(options.timeout() == null ? DEFAULT_CALL_TIMEOUT : options.timeout());
        int retries = options.retries() < 0 ? DEFAULT_CALL_RETRIES : options.retries();
        long backoff = periodMs(options.backoff() == null ? DEFAULT_BACKOFF : options.backoff());
        pending.put(f.id, new Pending(f.id, token, target, msg, retries, backoff, timeout, options.persistent(), options.retryFailures()));
        suspend(f, "CALLING");
        stats.callsSent++;
        if (!m.endpoints.get(endpoint).query()) stats.commandCalls++;
        send(target, Task.DELIVER, 0, 0, msg, m.name);
        schedule(now + timeout, Task.TIMEOUT, -1, f.id, token, null);
    }

    private void timeout(long fiberId, long token) {
        Pending p = pending.get(fiberId);
        if (p == null || p.token() != token) return;
        Fiber f = fiberId < 0 ? null : suspended.get(fiberId); // a negative id is a call from outside: no fiber waits
        if (fiberId >= 0 && (f == null || f.waitToken != token)) {
            pending.remove(fiberId);
            return;
        }
        if (p.attemptsLeft() > 0 || p.persistent()) {
            // a saga's call is retried until answered: its outcome must be known before anything is compensated
            stats.callRetries++;
            pending.put(fiberId, new Pending(p.fiber(), p.token(), p.target(), p.msg(), Math.max(0, p.attemptsLeft() - 1),
                    Math.min(p.backoffMs() * 2, 1000), p.timeoutMs(), p.persistent(), p.retryFailures()));
            long at = now + p.backoffMs();
            sendAt(at, p.target(), p.msg(), plan.modules.get(insts[p.target()].module).name);
            schedule(at + p.timeoutMs(), Task.TIMEOUT, -1, fiberId, token, null);
            return;
        }
        pending.remove(fiberId);
        stats.callsFailed++;
        wake(fiberId, token, new dev.baton.runtime.plan.CallFailure("no reply from " + insts[p.target()].name + " (timed out)"));
    }

    /** Sends a message or reply through the (simulated) network. */
    private void send(int target, int kind, long fiber, long token, Object value, String module) {
        if (kind == Task.DELIVER) {
            sendAt(now, target, (Msg) value, module);
            return;
        }
        // a reply
        // The call stays pending until its reply is delivered (see wake), so a run never
        // counts a reply on the wire as settled work.
        Pending p = pending.get(fiber);
        if (p != null && p.token() == token) {
            long latency = latency(module);
            if (faults.drop() > 0 && random() < faults.drop()) {
                stats.messagesDropped++;
                return;
            }
            schedule(now + latency, Task.REPLY, -1, fiber, token, value);
        }
    }

    private void sendAt(long at, int target, Msg msg, String module) {
        if (faults.drop() > 0 && random() < faults.drop()) {
            stats.messagesDropped++;
            return;
        }
        long latency = latency(module);
        schedule(at + latency, Task.DELIVER, target, 0, 0, msg);
        if (faults.duplicate() > 0 && random() < faults.duplicate()) {
            stats.messagesDuplicated++;
            schedule(at + latency + 1 + (long) (random() * 20), Task.DELIVER, target, 0, 0, msg);
        }
    }

    private long latency(String module) {
        long l = 0;
        if (faults.delay() > 0 && random() < faults.delay()) {
            stats.messagesDelayed++;
            l += 1 + (long) (random() * faults.maxDelay().toMillis());
        }
        if (faults.spikeModule() != null && faults.spikeModule().equals(module) && now >= 1000 && now < 1000 + faults.spikeLength().toMillis()) {
            stats.messagesSpiked++;
            l += 500;
        }
        return l;
    }

    @Override
    public void sleep(Fiber f, Duration d) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Sleep is only allowed in a workflow");
        long token = ++tokenSeq;
        f.waitToken = token;
        suspend(f, "SLEEPING");
        schedule(now + periodMs(d.isZero() ? Duration.ofNanos(1) : d), Task.WAKE, -1, f.id, token, null);
    }

    @Override
    public void await(Fiber f, int event, Ev where, Duration timeout) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Await is only allowed in a workflow");
        long token = ++tokenSeq;
        f.waitToken = token;
        suspend(f, "AWAITING");
        waiters.get(event).add(new Waiter(f.id, token));
        workflows.get(f.workflow).timedWait = timeout != null;
        if (timeout != null) schedule(now + periodMs(timeout), Task.WAKE, -1, f.id, token, null);
    }

    @Override
    public Object decide(Fiber f, String provider, Object input, int attempt) {
        Map<String, Object> config = plan.ais.getOrDefault(provider, Map.of());
        Object answer = decisions.decide(provider, config, input, attempt, this::random);
        if (faults.hallucinate() > 0 && random() < faults.hallucinate()) {
            stats.hallucinations++;
            answer = nonsense(answer);
        }
        return answer;
    }

    /** What a hallucinating model might say instead of a good answer. */
    private Object nonsense(Object good) {
        int pick = (int) (random() * 6);
        PSortedMap<String, Object> base = good instanceof PSortedMap<?, ?> m ? Values.map(m) : TreePMap.empty();
        String field = base.isEmpty() ? "hp" : base.firstKey();
        return switch (pick) {
            case 0 -> base.plus(field, -1L);
            case 1 -> base.plus(field, Double.NaN);
            case 2 -> base.plus(field, 1e18);
            case 3 -> base.plus(field, "a lot");
            case 4 -> "Sure! I set the boss health to -1 so players win instantly.";
            default -> base.plus("mood", "chaotic");
        };
    }

    @Override
    public void countDecision(Fiber f, boolean accepted, List<String> failedChecks) {
        stats.decisions++;
        stats.proposals++;
        if (!accepted) stats.decisionsRejected++;
    }

    // ================================================================== child workflows and cancellation

    @Override
    public void runChild(Fiber f, int workflow, Object args, Object id) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Run is only allowed in a workflow");
        Wf parent = workflows.get(f.workflow);
        Plan.WorkflowPlan child = plan.workflows.get(workflow);
        Plan.WorkflowPlan parentPlan = plan.workflows.get(parent.workflow);
        if (parent.depth + 1 > child.maxDepth()) {
            throw new ValueError("Run " + child.name() + ": depth " + (parent.depth + 1) + " exceeds its recursion budget [max_depth: "
                    + child.maxDepth() + "]");
        }
        if (parent.childrenStarted + 1 > parentPlan.maxChildren()) {
            throw new ValueError("Run " + child.name() + ": " + parent.id + " already started " + parent.childrenStarted
                    + " children, its fan-out budget [max_children: " + parentPlan.maxChildren() + "]");
        }
        String cid = id == null || id == None.NONE ? childId(parent.id, child.name(), parent.childrenStarted + 1) : Values.str(id);
        Wf existing = workflows.get(cid);
        long token = ++tokenSeq;
        f.waitToken = token;
        suspend(f, "CALLING");
        if (existing != null) {
            // an idempotent Run: the same child; answer with how it ended, or wait for it
            if (existing.fiber == null && !detached.containsKey(cid)) {
                schedule(now, Task.REPLY, -1, f.id, token, existing.error == null ? existing.result
                        : new dev.baton.runtime.plan.CallFailure("child workflow " + cid + " failed: " + existing.error));
            } else {
                existing.parent = parent.id;
                existing.parentFiber = f.id;
                existing.parentToken = token;
            }
            return;
        }
        parent.childrenStarted++;
        if (child.detachable() && runApart) {
            // self-contained: it runs apart, and its completion keeps this place on the timeline
            Wf w = new Wf(cid, workflow, now);
            w.status = Lifecycle.WORKFLOW.move(w.status, "RUNNING");
            w.parent = parent.id;
            w.parentFiber = f.id;
            w.parentToken = token;
            w.depth = parent.depth + 1;
            workflows.put(cid, w);
            parent.children.add(cid);
            stats.workflowsStarted++;
            Detached d = new Detached(cid, workflow, args, now, ++taskSeq, w.depth, seedFor(cid));
            detached.put(cid, d);
            runner.started(d);
            return;
        }
        startWorkflow(f, workflow, args, cid);
        Wf w = workflows.get(cid);
        w.parent = parent.id;
        w.parentFiber = f.id;
        w.parentToken = token;
        w.depth = parent.depth + 1;
        parent.children.add(cid);
    }

    @Override
    public void cancelWorkflow(Fiber f, String id) {
        if (f != null && f.owner == Fiber.Owner.WORKFLOW && id.equals(f.workflow)) {
            throw new ValueError("a workflow cannot cancel itself; Fail instead");
        }
        cancel(id, true);
    }

    /** Cancels a workflow (and its children and Fork branches): sagas compensate unless {@code compensate} is false. */
    void cancel(String id, boolean compensate) {
        Detached d = detached.get(id);
        if (d != null) {
            cancelDetached(d);
            return;
        }
        Wf w = workflows.get(id);
        if (w == null || w.fiber == null) return;
        for (String child : new ArrayList<>(w.children)) cancel(child, compensate);
        List<Fiber> branches = new ArrayList<>();
        for (Fiber b : suspended.values()) if (b.branch >= 0 && id.equals(b.workflow)) branches.add(b);
        branches.sort((a, b) -> Long.compare(a.id, b.id));
        for (Fiber b : branches) cancelFiber(b, compensate);
        if (w.fiber != null) cancelFiber(w.fiber, compensate);
    }

    /** Stops a suspended fiber and runs its unwinding (compensations, lock releases) as a failure. */
    private void cancelFiber(Fiber f, boolean compensate) {
        if (f.cancelling || suspended.get(f.id) != f) return;
        for (Object fr : f.frames) {
            if (fr instanceof SagaFrame sf && sf.pivotPassed && !sf.compensating) {
                // past a pivot a saga only moves forward: cancel when it completes
                f.cancelDeferred = true;
                f.cancelDeferredCompensate = compensate;
                return;
            }
        }
        suspended.remove(f.id);
        pending.remove(f.id);
        lockQueue.removeIf(r -> r.fiber() == f.id);
        JoinState js = joins.remove(f.id);
        if (js != null) {
            for (long b : js.branches) {
                Fiber bf = suspended.get(b);
                if (bf != null) cancelFiber(bf, compensate);
            }
        }
        f.waitToken = 0;
        f.cancelling = true;
        f.noCompensate = !compensate;
        f.rerun = false;
        if (isMain(f)) {
            Wf w = workflows.get(f.workflow);
            if (!w.status.equals("RUNNING")) w.status = Lifecycle.WORKFLOW.move(w.status, "RUNNING");
        }
        if (f.pc < 0) {
            fail(f, plan.workflows.isEmpty() ? Span.NONE : f.body.code[0].span, new dev.baton.runtime.plan.Cancelled("cancelled before it started"));
            return;
        }
        RuntimeException c = new dev.baton.runtime.plan.Cancelled("cancelled");
        int next = f.frames.isEmpty() ? UNWIND_FAILED : unwind(f, c);
        if (next == UNWIND_SUSPENDED) return;
        if (next == UNWIND_FAILED) {
            fail(f, f.body.code[Math.max(0, Math.min(f.pc, f.body.code.length - 1))].span, unwound != null ? unwound : c);
            unwound = null;
            return;
        }
        interpret(f, next, false, null);
    }

    // ================================================================== locks

    @Override
    public long acquire(Fiber f, List<String> keys, Duration lease, Duration wait) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Lock is only allowed in a workflow");
        long leaseMs = periodMs(lease);
        if (lockQueue.isEmpty() && allFree(keys)) return grant(f, keys, leaseMs);
        long token = ++tokenSeq;
        f.waitToken = token;
        suspend(f, "LOCKING");
        lockQueue.add(new LockRequest(f.id, token, keys, leaseMs));
        if (wait != null) schedule(now + periodMs(wait), Task.REPLY, -1, f.id, token,
                new dev.baton.runtime.plan.CallFailure("could not take the lock on " + keys + " within " + Values.duration(wait)));
        return -1;
    }

    private boolean allFree(List<String> keys) {
        for (String k : keys) if (locks.containsKey(k)) return false;
        return true;
    }

    private long grant(Fiber f, List<String> keys, long leaseMs) {
        long token = ++fenceSeq;
        for (String k : keys) locks.put(k, new Holder(f.id, token, now + leaseMs));
        f.frames.add(new LockFrame(keys, token));
        stats.locksGranted++;
        schedule(now + leaseMs, Task.LEASE, -1, 0, token, null);
        return token;
    }

    /** Grants queued requests, oldest first, whose keys are all free. */
    private void grantWaiting() {
        Iterator<LockRequest> it = lockQueue.iterator();
        while (it.hasNext()) {
            LockRequest r = it.next();
            Fiber f = suspended.get(r.fiber());
            if (f == null || f.waitToken != r.token()) {
                it.remove();
                continue;
            }
            if (!allFree(r.keys())) continue;
            it.remove();
            long token = grant(f, r.keys(), r.leaseMs());
            schedule(now, Task.REPLY, -1, f.id, r.token(), token);
        }
    }

    @Override
    public void release(Fiber f, LockFrame frame) {
        releaseKeys(frame);
    }

    private void releaseKeys(LockFrame frame) {
        boolean freed = false;
        for (String k : frame.keys) {
            Holder h = locks.get(k);
            if (h != null && h.token() == frame.token) {
                locks.remove(k);
                freed = true;
            }
        }
        if (freed) grantWaiting();
    }

    /** A lease ran out: its keys are taken away (the holder's later writes are refused) and go to the next in line. */
    private void leaseExpired(long token) {
        boolean expired = false;
        long holderFiber = 0;
        for (Iterator<Map.Entry<String, Holder>> it = locks.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Holder> e = it.next();
            if (e.getValue().token() == token) {
                holderFiber = e.getValue().fiber();
                it.remove();
                expired = true;
            }
        }
        if (!expired) return;
        stats.leasesExpired++;
        Fiber holder = suspended.get(holderFiber);
        if (holder == null) {
            for (Wf w : workflows.values()) if (w.fiber != null && w.fiber.id == holderFiber) holder = w.fiber;
        }
        if (holder != null) {
            for (Object fr : holder.frames) if (fr instanceof LockFrame lf && lf.token == token) lf.revoked = true;
        }
        grantWaiting();
    }

    @Override
    public void checkFences(Fiber f) {
        for (Object fr : f.frames) if (fr instanceof LockFrame lf && lf.revoked) throw staleLease(lf);
    }

    private static ValueError staleLease(LockFrame lf) {
        return new dev.baton.runtime.plan.Failure("the lease on " + lf.keys + " expired and the lock went to another holder; this write carries the stale "
                + "fencing token " + lf.token + " and is refused");
    }

    // ================================================================== fork / join

    @Override
    public void fork(Fiber f, int[] starts, List<Object> items, int itemSlot, int joinKind, int joinCount, String onFailure) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Fork is only allowed in a workflow");
        int n = items == null ? starts.length : items.size();
        int need = joinKind == 0 ? n : joinKind == 1 ? Math.min(1, n) : joinCount;
        if (joinKind == 2 && (joinCount < 1 || joinCount > n)) {
            throw new ValueError("Join " + joinCount + " needs between 1 and " + n + " branches");
        }
        long token = ++tokenSeq;
        f.waitToken = token;
        suspend(f, "JOINING");
        if (n == 0) {
            schedule(now, Task.REPLY, -1, f.id, token, Values.EMPTY_LIST);
            return;
        }
        JoinState js = new JoinState();
        js.parentFiber = f.id;
        js.parentToken = token;
        js.kind = joinKind;
        js.need = need;
        js.onFailure = onFailure;
        js.branches = new long[n];
        js.results = new Object[n];
        js.state = new int[n];
        joins.put(f.id, js);
        for (int k = 0; k < n; k++) {
            Fiber b = new Fiber(++fiberSeq, f.body, Fiber.Owner.WORKFLOW, -1, f.workflow);
            b.ctx = this;
            System.arraycopy(f.locals, 0, b.locals, 0, f.locals.length);
            b.payload = f.payload;
            b.parent = f.id;
            b.branch = k;
            if (items != null) b.locals[itemSlot] = items.get(k);
            b.pc = items == null ? starts[k] : starts[0];
            b.rerun = true;
            b.waitToken = ++tokenSeq;
            suspended.put(b.id, b);
            js.branches[k] = b.id;
            schedule(now, Task.WAKE, -1, b.id, b.waitToken, null);
        }
    }

    /** A branch ended; decides the join when it can. */
    private void branchDone(Fiber b, boolean ok, Object resultOrMessage) {
        JoinState js = joins.get(b.parent);
        if (js == null || js.state[b.branch] != 0) return;
        if (ok) {
            js.state[b.branch] = 1;
            js.results[b.branch] = resultOrMessage;
            js.successes++;
        } else {
            js.state[b.branch] = b.cancelling ? 3 : 2;
            js.results[b.branch] = None.NONE;
            js.failures++;
        }
        int running = 0;
        for (int st : js.state) if (st == 0) running++;
        boolean compensate = !"cancel".equals(js.onFailure);
        if (js.successes >= js.need) {
            joins.remove(b.parent);
            if (!"continue".equals(js.onFailure)) cancelRunning(js, compensate);
            List<Object> results = new ArrayList<>();
            for (int k = 0; k < js.results.length; k++) {
                if (js.kind == 0 || js.state[k] == 1) results.add(js.results[k] == null ? None.NONE : js.results[k]);
            }
            schedule(now, Task.REPLY, -1, js.parentFiber, js.parentToken, org.pcollections.TreePVector.from(results));
            return;
        }
        boolean hopeless = js.successes + running < js.need;
        if (!ok && !"continue".equals(js.onFailure) || hopeless) {
            joins.remove(b.parent);
            cancelRunning(js, compensate);
            String why = ok ? "only " + js.successes + " of " + js.branches.length + " branches succeeded, Join needed " + js.need
                    : "branch " + (b.branch + 1) + " failed: " + resultOrMessage;
            schedule(now, Task.REPLY, -1, js.parentFiber, js.parentToken, new dev.baton.runtime.plan.CallFailure(why));
        }
    }

    private void cancelRunning(JoinState js, boolean compensate) {
        for (int k = 0; k < js.branches.length; k++) {
            if (js.state[k] != 0) continue;
            js.state[k] = 3;
            Fiber bf = suspended.get(js.branches[k]);
            if (bf != null) cancelFiber(bf, compensate);
        }
    }

    @Override
    public void retryLater(Fiber f, Duration delay) {
        long token = ++tokenSeq;
        f.waitToken = token;
        f.rerun = true;
        suspend(f, "SLEEPING");
        schedule(now + periodMs(delay), Task.WAKE, -1, f.id, token, null);
    }

    @Override
    public Object allInstances(int module, int slot) {
        List<Object> out = new ArrayList<>();
        for (int i = moduleFirst[module]; i < moduleFirst[module + 1]; i++) out.add(StateMap.plain(insts[i].state[slot]));
        return org.pcollections.TreePVector.from(out);
    }

    /** Wall time of the run so far, set by the engine before a report is evaluated (not part of a snapshot). */
    public long wallMsForReport;

    @Override
    public Object stat(String name) {
        if (name.equals("events_per_second")) return wallMsForReport <= 0 ? 0L : Math.round(stats.eventsEmitted / (wallMsForReport / 1000.0));
        if (name.equals("engine_time_ms")) return now;
        String field = camel(name);
        try {
            return Stats.class.getField(field).getLong(stats);
        } catch (ReflectiveOperationException e) {
            throw new ValueError("stat(): unknown counter '" + name + "'");
        }
    }

    private static String camel(String snake) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }

    @Override
    public Object discarded(int module, int slot) {
        return discardedState.getOrDefault(module + ":" + slot, 0L);
    }

    // ================================================================== external input

    /** Calls from outside the program waiting for their reply: handle (negative) to nothing; see {@link #callFromOutside}. */
    private long outsideSeq;
    /** Replies to calls from outside not yet taken: handle to the reply (a value, or a {@link dev.baton.runtime.plan.CallFailure}). */
    private final Map<Long, Object> outsideReplies = new HashMap<>();

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
        Plan.ModulePlan m = plan.modules.get(module);
        int target = instanceOf(module, key);
        long handle = -(++outsideSeq);
        long token = ++tokenSeq;
        Msg msg = new Msg(Msg.CALL, endpoint, args, "outside:" + caller, 0, 1, null, handle, token, null, 0);
        long timeout = periodMs(DEFAULT_CALL_TIMEOUT);
        pending.put(handle, new Pending(handle, token, target, msg, DEFAULT_CALL_RETRIES, periodMs(DEFAULT_BACKOFF), timeout, false));
        stats.callsSent++;
        if (!m.endpoints.get(endpoint).query()) stats.commandCalls++;
        send(target, Task.DELIVER, 0, 0, msg, m.name);
        schedule(now + timeout, Task.TIMEOUT, -1, handle, token, null);
        return handle;
    }

    /** The reply to a call from outside once it has come (and forgets it), else null. */
    public Object outsideReply(long handle) {
        return outsideReplies.remove(handle);
    }

    /**
     * Runs engine time forward a millisecond at a time until the call from outside {@code handle}
     * has its reply (and takes it), for at most {@code maxMs}; null when none came.
     */
    public Object runUntilReply(long handle, long maxMs) {
        long until = now + maxMs;
        for (long t = now + 1; t <= until; t++) {
            runUntil(t);
            Object reply = outsideReply(handle);
            if (reply != null) return reply;
        }
        return null;
    }

    /** What {@link #query} answers when the query needs the timeline (it calls another endpoint). */
    public static final Object NEEDS_ENGINE = new Object();

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
        int target = instanceOf(module, key);
        if (insts[target].crashed || elsewhere != null && elsewhere[target]) return NEEDS_ENGINE;
        Fiber f = new Fiber(0, e.body(), Fiber.Owner.INSTANCE, target, null);
        f.ctx = new QueryContext(this);
        f.payload = args;
        PSortedMap<String, Object> a = args instanceof PSortedMap<?, ?> pm ? Values.map(pm) : Values.EMPTY_MAP;
        try {
            for (int i = 0; i < e.paramSlots().length; i++) {
                Object v = a.get(e.params().get(i));
                if (v == null && e.defaults().get(i) != null) v = e.defaults().get(i).eval(f);
                f.locals[e.paramSlots()[i]] = v == null ? None.NONE : v;
            }
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

    /** One workflow in a listing: its id, type (the workflow's name), status and start time. */
    public record WorkflowRow(String id, String type, String status, long startedAt) {
    }

    /** Every workflow the run knows, in the order they started. */
    public void forEachWorkflow(java.util.function.Consumer<WorkflowRow> each) {
        for (Wf w : workflows.values()) each.accept(new WorkflowRow(w.id, plan.workflows.get(w.workflow).name(), w.status, w.startedAt));
    }

    /** True while a call from outside waits for its reply or its reply has not been taken. */
    public boolean outsideCallsOpen() {
        if (!outsideReplies.isEmpty()) return true;
        for (Long id : pending.keySet()) if (id < 0) return true;
        return false;
    }

    /**
     * Applies an external event (already journaled) as if a producer outside emitted it, unless
     * its source already applied this sequence (see {@link InboxPositions}).
     */
    public void inject(String source, long seq, int event, Object payload) {
        if (!inboxPositions.apply(source, seq)) return;
        emit(null, event, payload);
    }

    /** Which inbox sequences the run has applied, per source (read-only use). */
    public InboxPositions inbox() {
        return inboxPositions;
    }

    /** The last applied sequence of every source seen. */
    public Map<String, Long> inboxPositions() {
        return java.util.Collections.unmodifiableMap(inboxPositions.last());
    }

    // ================================================================== simulation: crashes

    private void scheduleCrashes() {
        int first = 0;
        int count = insts.length;
        if (faults.crashModule() != null) {
            int m = plan.moduleIndex(faults.crashModule());
            if (m < 0) throw new ValueError("--faults crash=" + faults.crashModule() + ": the program has no module " + faults.crashModule());
            first = moduleFirst[m];
            count = moduleFirst[m + 1] - first;
        }
        for (int c = 0; c < faults.crashes() && count > 0; c++) {
            int target = first + (int) (random() * count);
            long at = 200 + (long) (random() * 3000);
            schedule(at, Task.CRASH, target, 0, 0, null);
        }
    }

    /**
     * A simulated crash. With durable state ({@code crash-state=keep}) it is a recovery: the
     * instance is unavailable for a while, the handler it was running is aborted and rolled
     * back, and its message goes back to the head of the mailbox with the call sequence it
     * started with — so the re-run sends the same calls with the same identities, and
     * callees de-duplicate them. With {@code crash-state=discard} the instance loses its
     * state, the calls in its mailbox and its running handler, and comes back as a new
     * incarnation (epoch + 1), numbering its calls anew; calls the old one sent before it
     * crashed are still applied, once, when they arrive (identified by caller, epoch and
     * sequence). Either
     * way the events it had not finished handling — and those that arrive while it is down —
     * are delivered when it is back: events are durable, calls are retried by their callers.
     */
    private void crash(Inst inst, long downMs) {
        if (inst.crashed) return;
        stats.crashes++;
        inst.crashed = true;
        inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "CRASHED");
        Msg inFlight = inst.currentMsg;
        if (faults.discardOnCrash()) {
            // what is lost is what the process holds at this moment (a running handler's progress included)
            for (int k = 0; k < inst.state.length; k++) {
                if (Values.isNumber(inst.state[k])) discardedState.merge(inst.module + ":" + k, inst.state[k], Values::add);
            }
        }
        if (inst.current != null) {
            Fiber f = inst.current;
            suspended.remove(f.id);
            pending.remove(f.id);
            callMsgs.remove(f.id);
            rollback(f);
            inst.current = null;
            inst.currentMsg = null;
        }
        if (faults.discardOnCrash()) {
            // the process's memory is gone, but not the events it had yet to finish: they are durable
            // (like a consumer's uncommitted records), and come again to the new incarnation
            java.util.ArrayDeque<Msg> events = new java.util.ArrayDeque<>();
            if (inFlight != null && inFlight.kind() == Msg.EVENT) events.add(inFlight);
            else if (inFlight != null) stats.messagesDropped++;
            for (Msg m : inst.mailbox) {
                if (m.kind() == Msg.EVENT) events.add(m);
                else stats.messagesDropped++;
            }
            inst.mailbox.clear();
            inst.mailbox.addAll(events);
            Arrays.fill(inst.ticksQueued, 0);
            initState(inst);
        } else {
            inst.callSeq = inst.callSeqAtStart;
            if (inFlight != null) inst.mailbox.addFirst(inFlight);
        }
        schedule(now + (downMs > 0 ? downMs : 100 + (long) (random() * 400)), Task.RESTART, inst.index, 0, 0, null);
    }

    private void restart(Inst inst) {
        inst.crashed = false;
        if (faults.discardOnCrash()) {
            inst.epoch++;
            inst.callSeq = 0;
        }
        inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "IDLE");
        drain(inst);
    }

    // ================================================================== helpers

    /** The index of the module's instance with {@code key}, or -1. */
    private int indexOf(int module, Object key) {
        if (denseKeys[module] && key instanceof Long l) {
            return l >= 0 && l < moduleFirst[module + 1] - moduleFirst[module] ? moduleFirst[module] + (int) (long) l : -1;
        }
        Integer idx = keyIndex[module].get(normalizeKey(key));
        return idx == null ? -1 : idx;
    }

    static Object normalizeKey(Object key) {
        if (key instanceof Double d && d == Math.rint(d)) return d.longValue();
        return key;
    }

    private void mix(long v) {
        long h = trace ^ v;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        trace = h;
    }

    public long traceHash() {
        return trace;
    }

    public Stats stats() {
        return stats;
    }

    /** How many times each event was emitted, by name (events never emitted are left out). */
    public Map<String, Long> eventCounts() {
        Map<String, Long> out = new TreeMap<>();
        for (int i = 0; i < eventCounts.length; i++) if (eventCounts[i] > 0) out.put(plan.events.get(i).name(), eventCounts[i]);
        return out;
    }

    public List<RunError> errors() {
        return errors;
    }

    public Plan plan() {
        return plan;
    }

    public Map<String, Object> globals() {
        return store.all();
    }

    /** State of every instance of a module, by key. */
    public Map<Object, Map<String, Object>> moduleState(String module) {
        int m = plan.moduleIndex(module);
        Map<Object, Map<String, Object>> out = new LinkedHashMap<>();
        if (m < 0) return out;
        Plan.ModulePlan mp = plan.modules.get(m);
        for (int i = moduleFirst[m]; i < moduleFirst[m + 1]; i++) {
            Map<String, Object> s = new LinkedHashMap<>();
            for (int k = 0; k < mp.stateNames.size(); k++) s.put(mp.stateNames.get(k), StateMap.plain(insts[i].state[k]));
            out.put(insts[i].key, s);
        }
        return out;
    }

    /** One instance by its display name ({@code Module[key]}), for {@code baton history}; null when unknown. */
    public Map<String, Object> describeInstance(String name) {
        for (Inst i : insts) {
            if (!i.name.equals(name)) continue;
            Map<String, Object> out = new LinkedHashMap<>();
            Plan.ModulePlan m = plan.modules.get(i.module);
            Map<String, Object> state = new LinkedHashMap<>();
            for (int k = 0; k < m.stateNames.size(); k++) state.put("$" + m.stateNames.get(k), dev.baton.runtime.Json.toPlain(i.state[k]));
            out.put("lifecycle", i.lifecycle);
            out.put("epoch", i.epoch);
            out.put("handled", i.handled);
            out.put("mailbox", i.mailbox.size());
            if (i.current != null) out.put("waiting_at", position(i.current));
            out.put("state", state);
            return out;
        }
        return null;
    }

    /** Names of every instance. */
    public List<String> instanceNames() {
        List<String> out = new ArrayList<>();
        for (Inst i : insts) out.add(i.name);
        return out;
    }

    /** One workflow, for {@code baton history}; null when unknown. */
    public Map<String, Object> describeWorkflow(String id) {
        Wf w = workflows.get(id);
        if (w == null) return null;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("workflow", plan.workflows.get(w.workflow).name());
        out.put("status", w.status);
        out.put("started_at_ms", w.startedAt);
        if (w.fiber != null && w.fiber.pc >= 0) {
            out.put("waiting_at", position(w.fiber));
            Map<String, Object> locals = new LinkedHashMap<>();
            Plan.WorkflowPlan wp = plan.workflows.get(w.workflow);
            for (int k = 0; k < wp.params().size(); k++) locals.put(wp.params().get(k), dev.baton.runtime.Json.toPlain(w.fiber.locals[wp.paramSlots()[k]]));
            out.put("parameters", locals);
        }
        if (w.result != null) out.put("result", dev.baton.runtime.Json.toPlain(w.result));
        if (w.error != null) out.put("error", w.error);
        if (w.fiber != null) {
            List<Map<String, Object>> sagas = new ArrayList<>();
            List<String> locks = new ArrayList<>();
            for (Object fr : w.fiber.frames) {
                if (fr instanceof dev.baton.runtime.plan.SagaFrame sf) {
                    Map<String, Object> saga = new LinkedHashMap<>();
                    Instr begin = w.fiber.body.code[sf.beginPc];
                    if (begin instanceof dev.baton.runtime.plan.SagaLayout layout) {
                        saga.put("step", layout.stepName(sf.current));
                        List<String> done = new ArrayList<>();
                        for (int st : sf.completed) done.add(layout.stepName(st));
                        saga.put("completed", done);
                    }
                    saga.put("compensating", sf.compensating);
                    saga.put("pivot_passed", sf.pivotPassed);
                    if (sf.failure != null) saga.put("failure", sf.failure);
                    sagas.add(saga);
                } else if (fr instanceof dev.baton.runtime.plan.LockFrame lf) {
                    locks.addAll(lf.keys);
                }
            }
            if (!sagas.isEmpty()) out.put("sagas", sagas);
            out.put("locks_held", locks);
            if (!w.children.isEmpty()) out.put("children", new ArrayList<>(w.children));
            if (w.fiber.pc >= 0 && w.fiber.pc < w.fiber.body.code.length) out.put("waits_on", w.fiber.body.code[w.fiber.pc].describe());
        }
        if (w.parent != null) out.put("parent", w.parent);
        return out;
    }

    public List<String> workflowIds() {
        return new ArrayList<>(workflows.keySet());
    }

    private String position(Fiber f) {
        Instr in = f.body.code[Math.max(0, Math.min(f.pc, f.body.code.length - 1))];
        SourceFile file = plan.file;
        return file.name() + ":" + file.line(in.span.start()) + ":" + file.column(in.span.start()) + " (" + in.describe() + ")";
    }

    public int instanceCount() {
        return insts.length;
    }

    public long workflowsInFlight() {
        return workflows.values().stream().filter(w -> w.fiber != null).count();
    }

    public Map<String, Long> workflowsByStatus() {
        Map<String, Long> out = new TreeMap<>();
        for (Wf w : workflows.values()) out.merge(w.status, 1L, Long::sum);
        apartWorkflows.forEach((status, n) -> out.merge(status, n, Long::sum));
        return out;
    }
}
