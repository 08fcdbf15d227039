package dev.baton.runtime.internal.exec;

import dev.baton.lang.Span;
import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.plan.SagaFrame;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Workflows: starting them, their waits on time and events ({@code Sleep}, {@code Await}),
 * child workflows ({@code Run}) and cancellation.
 *
 * <h2>Design</h2>
 * A workflow is a {@link Wf} (id, status, outcome) and, while it lives, its main fiber. Starting
 * one puts its fiber on the timeline at the current engine time (a {@link Waits.Kind#START}
 * wait), so a start never runs inside the handler that asked for it. A child is a workflow with
 * a parent fiber waiting for it ({@link Waits.Kind#CHILD}); a self-contained child may run apart
 * ({@link RunsApart}). Cancelling a workflow cancels its children and branches first, then
 * unwinds its fiber as a failure (sagas compensate) — except past a saga's pivot, where the
 * cancellation waits until the saga completes.
 *
 * <p>Owns: the workflows by id, in start order; the {@code Await}ers of each event. Must not
 * deliver events to instances ({@link Events}).
 */
final class Workflows {
    /** A workflow waiting in {@code Await}. */
    record Waiter(long fiber, long token) {
    }

    /** Ids longer than this are not extended by their children: they are named after a digest of it instead. */
    private static final int MAX_PATH_ID = 200;

    private final Core core;
    /** Every workflow of the run, by id, in start order. */
    final Map<String, Wf> all = new LinkedHashMap<>();
    /** The workflows that still have a fiber (running or waiting), in start order: what {@link #busy} looks at. */
    final Map<String, Wf> live = new LinkedHashMap<>();
    /** The workflows awaiting each event, by event index. */
    final List<List<Waiter>> waiters = new ArrayList<>();

    Workflows(Core core, Plan plan) {
        this.core = core;
        for (int i = 0; i < plan.events.size(); i++) waiters.add(new ArrayList<>());
    }

    /** Starts workflow {@code workflow} with {@code args} under {@code id} (None: a new one); its id. An id already used starts nothing. */
    String start(int workflow, Object args, Object id) {
        Timeline tl = core.timeline;
        Plan.WorkflowPlan wp = core.plan.workflows.get(workflow);
        String wid = id == null || id == None.NONE ? wp.name() + "-" + (++tl.wfSeq) : Values.str(id);
        if (all.containsKey(wid)) return wid;
        Wf w = new Wf(wid, workflow, tl.now);
        Fiber wf = new Fiber(++tl.fiberSeq, wp.body(), Fiber.Owner.WORKFLOW, -1, wid);
        wf.ctx = core;
        wf.payload = args;
        Instances.bindParams(wf, wp.params(), wp.paramSlots(), wp.defaults(), args);
        w.fiber = wf;
        all.put(wid, w);
        live.put(wid, w);
        core.stats.workflowsStarted++;
        wf.pc = -1;
        wf.waitToken = tl.token();
        core.waits.put(wf, Waits.Kind.START, tl.now);
        core.schedule(tl.now, Task.WAKE, -1, wf.id, wf.waitToken, null);
        return wid;
    }

    /** The main fiber of a workflow returned. */
    void completed(Fiber f) {
        Wf w = all.get(f.workflow);
        w.status = Lifecycle.WORKFLOW.move(w.status, "COMPLETED");
        w.result = f.result == null ? None.NONE : f.result;
        w.fiber = null;
        live.remove(w.id);
        core.stats.workflowsCompleted++;
        notifyParent(w, w.result);
    }

    /** The main fiber of a workflow failed (or was cancelled) with {@code message}: its children are cancelled, its parent told. */
    void failed(Fiber f, String message) {
        Wf w = all.get(f.workflow);
        boolean cancelled = f.cancelling;
        w.status = Lifecycle.WORKFLOW.move(w.status, cancelled ? "CANCELLED" : "FAILED");
        w.error = message;
        w.fiber = null;
        live.remove(w.id);
        if (cancelled) core.stats.workflowsCancelled++;
        else core.stats.workflowsFailed++;
        for (String child : new ArrayList<>(w.children)) cancel(child, !f.noCompensate);
        notifyParent(w, new CallFailure("child workflow " + w.id + (cancelled ? " was cancelled" : " failed: " + w.error)));
    }

    /** Tells a child workflow's parent (waiting in Run) how it ended. */
    void notifyParent(Wf w, Object outcome) {
        RunsApart apart = core.apart;
        if (w.id.equals(apart.rootId) && apart.rootEnded < 0) apart.rootEnded = core.timeline.now;
        if (w.parent == null) return;
        Wf parent = all.get(w.parent);
        if (parent != null) parent.children.remove(w.id);
        core.schedule(core.timeline.now, Task.REPLY, -1, w.parentFiber, w.parentToken, outcome);
    }

    void sleep(Fiber f, Duration d) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Sleep is only allowed in a workflow");
        long token = core.timeline.token();
        f.waitToken = token;
        core.fibers.suspend(f, "SLEEPING", Waits.Kind.TIMER);
        core.schedule(core.timeline.now + Timeline.periodMs(d.isZero() ? Duration.ofNanos(1) : d), Task.WAKE, -1, f.id, token, null);
    }

    void await(Fiber f, int event, Duration timeout) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Await is only allowed in a workflow");
        long token = core.timeline.token();
        f.waitToken = token;
        core.fibers.suspend(f, "AWAITING", Waits.Kind.EVENT);
        waiters.get(event).add(new Waiter(f.id, token));
        all.get(f.workflow).timedWait = timeout != null;
        if (timeout != null) core.schedule(core.timeline.now + Timeline.periodMs(timeout), Task.WAKE, -1, f.id, token, null);
    }

    /** Event {@code event} was emitted with {@code payload}: the workflows awaiting it whose {@code where} holds are woken. */
    void emitted(int event, Object payload) {
        List<Waiter> ws = waiters.get(event);
        if (ws.isEmpty()) return;
        Iterator<Waiter> it = ws.iterator();
        while (it.hasNext()) {
            Waiter w = it.next();
            Fiber f = core.waits.waiting(w.fiber(), w.token());
            if (f == null) {
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
                core.schedule(core.timeline.now, Task.REPLY, -1, w.fiber(), w.token(), payload);
            }
        }
    }

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

    /** {@code Run child(args)} from workflow fiber {@code f}: the child started (or found), {@code f} waiting for it. */
    void runChild(Fiber f, int workflow, Object args, Object id) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Run is only allowed in a workflow");
        Wf parent = all.get(f.workflow);
        Plan.WorkflowPlan child = core.plan.workflows.get(workflow);
        Plan.WorkflowPlan parentPlan = core.plan.workflows.get(parent.workflow);
        if (parent.depth + 1 > child.maxDepth()) {
            throw new ValueError("Run " + child.name() + ": depth " + (parent.depth + 1) + " exceeds its recursion budget [max_depth: "
                    + child.maxDepth() + "]");
        }
        if (parent.childrenStarted + 1 > parentPlan.maxChildren()) {
            throw new ValueError("Run " + child.name() + ": " + parent.id + " already started " + parent.childrenStarted
                    + " children, its fan-out budget [max_children: " + parentPlan.maxChildren() + "]");
        }
        String cid = id == null || id == None.NONE ? childId(parent.id, child.name(), parent.childrenStarted + 1) : Values.str(id);
        Wf existing = all.get(cid);
        long token = core.timeline.token();
        f.waitToken = token;
        core.fibers.suspend(f, "CALLING", Waits.Kind.CHILD);
        if (existing != null) {
            // an idempotent Run: the same child; answer with how it ended, or wait for it
            if (existing.fiber == null && !core.apart.runs.containsKey(cid)) {
                core.schedule(core.timeline.now, Task.REPLY, -1, f.id, token, existing.error == null ? existing.result
                        : new CallFailure("child workflow " + cid + " failed: " + existing.error));
            } else {
                existing.parent = parent.id;
                existing.parentFiber = f.id;
                existing.parentToken = token;
            }
            return;
        }
        parent.childrenStarted++;
        if (child.detachable() && core.apart.enabled) {
            // self-contained: it runs apart, and its completion keeps this place on the timeline
            Wf w = new Wf(cid, workflow, core.timeline.now);
            w.status = Lifecycle.WORKFLOW.move(w.status, "RUNNING");
            adopt(parent, w, f, token);
            all.put(cid, w);
            core.stats.workflowsStarted++;
            core.apart.start(w, args);
            return;
        }
        start(workflow, args, cid);
        adopt(parent, all.get(cid), f, token);
    }

    private static void adopt(Wf parent, Wf child, Fiber waiting, long token) {
        child.parent = parent.id;
        child.parentFiber = waiting.id;
        child.parentToken = token;
        child.depth = parent.depth + 1;
        parent.children.add(child.id);
    }

    /** Cancels a workflow (and its children and Fork branches): sagas compensate unless {@code compensate} is false. */
    void cancel(String id, boolean compensate) {
        Detached d = core.apart.runs.get(id);
        if (d != null) {
            core.apart.cancel(d);
            return;
        }
        Wf w = all.get(id);
        if (w == null || w.fiber == null) return;
        for (String child : new ArrayList<>(w.children)) cancel(child, compensate);
        List<Fiber> branches = new ArrayList<>();
        for (Fiber b : core.waits.fibers()) if (b.branch >= 0 && id.equals(b.workflow)) branches.add(b);
        branches.sort((a, b) -> Long.compare(a.id, b.id));
        for (Fiber b : branches) cancelFiber(b, compensate);
        if (w.fiber != null) cancelFiber(w.fiber, compensate);
    }

    /** Stops a suspended fiber and runs its unwinding (compensations, lock releases) as a failure. */
    void cancelFiber(Fiber f, boolean compensate) {
        if (f.cancelling || core.waits.get(f.id) != f) return;
        for (Object fr : f.frames) {
            if (fr instanceof SagaFrame sf && sf.pivotPassed && !sf.compensating) {
                // past a pivot a saga only moves forward: cancel when it completes
                f.cancelDeferred = true;
                f.cancelDeferredCompensate = compensate;
                return;
            }
        }
        core.waits.remove(f.id);
        core.calls.pending.remove(f.id);
        core.locks.queue.removeIf(r -> r.fiber() == f.id);
        core.joins.cancelled(f, compensate);
        f.waitToken = 0;
        f.cancelling = true;
        f.noCompensate = !compensate;
        f.rerun = false;
        if (core.fibers.isMain(f)) {
            Wf w = all.get(f.workflow);
            if (!w.status.equals("RUNNING")) w.status = Lifecycle.WORKFLOW.move(w.status, "RUNNING");
        }
        if (f.pc < 0) {
            core.fibers.fail(f, core.plan.workflows.isEmpty() ? Span.NONE : f.body.code[0].span,
                    new dev.baton.runtime.plan.Cancelled("cancelled before it started"));
            return;
        }
        int next = core.sagas.unwindOrFail(f, new dev.baton.runtime.plan.Cancelled("cancelled"));
        if (next >= 0) core.fibers.interpret(f, next, false, null);
    }

    /** How many workflows are in each status (those that ran apart included). */
    Map<String, Long> byStatus() {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (Wf w : all.values()) out.merge(w.status, 1L, Long::sum);
        core.apart.ended.forEach((status, n) -> out.merge(status, n, Long::sum));
        return out;
    }

    /** True when some workflow still has work ahead of it other than awaiting an event without a timeout. */
    boolean busy() {
        for (Wf w : live.values()) {
            if (!w.status.equals("AWAITING") || w.timedWait) return true;
        }
        return false;
    }
}
