package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code Fork} and {@code Join}: a workflow's branches running side by side, and the join that
 * waits for all, any, or N of them.
 *
 * <h2>Design</h2>
 * Each branch is a fiber of the same workflow with a copy of the parent's locals, started on the
 * timeline in branch order (so their interleaving is the timeline's, deterministic). The parent
 * waits in a {@link Waits.Kind#JOIN}; each branch's end is counted in its {@link JoinState}, and
 * the join is decided as soon as it can be — enough successes, a failure (unless
 * {@code on_failure: continue}), or too few branches left to succeed. The branches still running
 * then are cancelled (compensating, unless {@code on_failure: cancel}).
 *
 * <p>A fork may be shared under a name ({@code Fork [share: name]}): other workflows'
 * {@code Join (name)} wait on it — one agent's Join on another agent's Fork — and get what its
 * own join gets, its results or its failure, when it is decided ({@link Shared}). A name is
 * shared by one fork per run; a Join that comes after the decision gets it at once, one that
 * comes before the fork has started waits for it (like an {@code Await}: with its timeout, else
 * until it comes).
 *
 * <p>Owns: open joins and their branch results. Must not run the branches (the timeline does).
 */
final class Joins {
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
        /** The name the fork is shared under, or null. */
        String share;
    }

    /** A fork shared under a name: its forking fiber while open, its outcome once decided, and the joins waiting on it. */
    static final class Shared {
        /** The fiber whose fork it is while its join is open; 0 before it starts and once it is decided. */
        long parent;
        /** Once decided: the results (a list), or the {@link CallFailure} its own join got. */
        Object outcome;
        /** Joins waiting for the outcome: {fiber, wait token}. */
        final List<long[]> observers = new ArrayList<>();
    }

    private final Core core;
    /** Open joins, by the parent fiber's id. */
    final Map<Long, JoinState> open = new TreeMap<>();
    /** Shared forks by name (see {@link Shared}): started, decided, or only waited for so far. */
    final Map<String, Shared> shared = new TreeMap<>();

    Joins(Core core) {
        this.core = core;
    }

    void fork(Fiber f, int[] starts, List<Object> items, int itemSlot, int joinKind, int joinCount, String onFailure, String share) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Fork is only allowed in a workflow");
        Shared sh = share == null ? null : shared.get(share);
        if (sh != null && (sh.parent != 0 || sh.outcome != null)) {
            throw new ValueError("a fork shared as '" + share + "' has already run in this run (a name is shared by one fork per run)");
        }
        int n = items == null ? starts.length : items.size();
        int need = joinKind == 0 ? n : joinKind == 1 ? Math.min(1, n) : joinCount;
        if (joinKind == 2 && (joinCount < 1 || joinCount > n)) {
            throw new ValueError("Join " + joinCount + " needs between 1 and " + n + " branches");
        }
        Timeline tl = core.timeline;
        long token = tl.token();
        f.waitToken = token;
        core.fibers.suspend(f, "JOINING", Waits.Kind.JOIN);
        if (n == 0) {
            core.schedule(tl.now, Task.REPLY, -1, f.id, token, Values.EMPTY_LIST);
            if (share != null) decided(share, Values.EMPTY_LIST);
            return;
        }
        JoinState js = new JoinState();
        js.share = share;
        if (share != null) shared.computeIfAbsent(share, k -> new Shared()).parent = f.id;
        js.parentFiber = f.id;
        js.parentToken = token;
        js.kind = joinKind;
        js.need = need;
        js.onFailure = onFailure;
        js.branches = new long[n];
        js.results = new Object[n];
        js.state = new int[n];
        open.put(f.id, js);
        for (int k = 0; k < n; k++) {
            Fiber b = new Fiber(++tl.fiberSeq, f.body, Fiber.Owner.WORKFLOW, -1, f.workflow);
            b.ctx = core;
            System.arraycopy(f.locals, 0, b.locals, 0, f.locals.length);
            b.payload = f.payload;
            b.parent = f.id;
            b.branch = k;
            if (items != null) b.locals[itemSlot] = items.get(k);
            b.pc = items == null ? starts[k] : starts[0];
            b.rerun = true;
            b.waitToken = tl.token();
            core.waits.put(b, Waits.Kind.START, tl.now);
            js.branches[k] = b.id;
            core.schedule(tl.now, Task.WAKE, -1, b.id, b.waitToken, null);
        }
    }

    /** A branch ended; decides the join when it can. */
    void branchDone(Fiber b, boolean ok, Object resultOrMessage) {
        JoinState js = open.get(b.parent);
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
        long now = core.timeline.now;
        if (js.successes >= js.need) {
            open.remove(b.parent);
            if (!"continue".equals(js.onFailure)) cancelRunning(js, compensate);
            List<Object> results = new ArrayList<>();
            for (int k = 0; k < js.results.length; k++) {
                if (js.kind == 0 || js.state[k] == 1) results.add(js.results[k] == null ? None.NONE : js.results[k]);
            }
            Object outcome = org.pcollections.TreePVector.from(results);
            core.schedule(now, Task.REPLY, -1, js.parentFiber, js.parentToken, outcome);
            if (js.share != null) decided(js.share, outcome);
            return;
        }
        boolean hopeless = js.successes + running < js.need;
        if (!ok && !"continue".equals(js.onFailure) || hopeless) {
            open.remove(b.parent);
            cancelRunning(js, compensate);
            String why = ok ? "only " + js.successes + " of " + js.branches.length + " branches succeeded, Join needed " + js.need
                    : "branch " + (b.branch + 1) + " failed: " + resultOrMessage;
            core.schedule(now, Task.REPLY, -1, js.parentFiber, js.parentToken, new CallFailure(why));
            if (js.share != null) decided(js.share, new CallFailure("the fork shared as '" + js.share + "' failed: " + why));
        }
    }

    /**
     * {@code Join (name)} in fiber {@code f}: suspended until the fork shared under {@code name} is
     * decided — at once when it already is — or {@code timeout} passes (None).
     */
    void joinShared(Fiber f, String name, java.time.Duration timeout) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Join is only allowed in a workflow");
        Timeline tl = core.timeline;
        long token = tl.token();
        f.waitToken = token;
        // waiting for another workflow's fork is waiting for the world, like an Await: without a
        // timeout it does not keep a run going on its own
        core.fibers.suspend(f, "AWAITING", Waits.Kind.JOIN);
        if (core.fibers.isMain(f)) core.workflows.all.get(f.workflow).timedWait = timeout != null;
        Shared sh = shared.computeIfAbsent(name, k -> new Shared());
        if (sh.outcome != null) {
            core.schedule(tl.now, Task.REPLY, -1, f.id, token, sh.outcome);
            return;
        }
        sh.observers.add(new long[] {f.id, token});
        if (timeout != null) core.schedule(tl.now + Timeline.periodMs(timeout), Task.REPLY, -1, f.id, token, None.NONE);
        if (sh.parent != 0) core.deadlocks.joinQueued(f);
    }

    /** The shared fork {@code name} and the join of fiber {@code fiber} on it, when that fiber waits in a {@code Join (name)}; else null. */
    String observed(long fiber, long token) {
        for (Map.Entry<String, Shared> e : shared.entrySet()) {
            for (long[] o : e.getValue().observers) if (o[0] == fiber && o[1] == token) return e.getKey();
        }
        return null;
    }

    /** Ends the wait of fiber {@code fiber} on a shared fork (a deadlock's chosen wait): it leaves the observers. */
    void stopObserving(long fiber) {
        for (Shared sh : shared.values()) sh.observers.removeIf(o -> o[0] == fiber);
    }

    /** The shared fork {@code name} is decided: every join waiting on it gets {@code outcome}, and so will every later one. */
    private void decided(String name, Object outcome) {
        Shared sh = shared.computeIfAbsent(name, k -> new Shared());
        sh.parent = 0;
        sh.outcome = outcome;
        for (long[] o : sh.observers) core.schedule(core.timeline.now, Task.REPLY, -1, o[0], o[1], outcome);
        sh.observers.clear();
    }

    /** The parent fiber {@code f} is cancelled: its branches still waiting are cancelled too. */
    void cancelled(Fiber f, boolean compensate) {
        JoinState js = open.remove(f.id);
        if (js == null) return;
        if (js.share != null) decided(js.share, new CallFailure("the fork shared as '" + js.share + "' was cancelled"));
        for (long b : js.branches) {
            Fiber bf = core.waits.get(b);
            if (bf != null) core.workflows.cancelFiber(bf, compensate);
        }
    }

    /** The join of fiber {@code parent} fails without its branches (a deadlock's chosen wait): the branches still running are stopped. */
    void abandon(long parent) {
        JoinState js = open.remove(parent);
        if (js == null) return;
        cancelRunning(js, !"cancel".equals(js.onFailure));
        if (js.share != null) decided(js.share, new CallFailure("the fork shared as '" + js.share + "' failed: its join was a deadlock's chosen wait"));
    }

    private void cancelRunning(JoinState js, boolean compensate) {
        for (int k = 0; k < js.branches.length; k++) {
            if (js.state[k] != 0) continue;
            js.state[k] = 3;
            Fiber bf = core.waits.get(js.branches[k]);
            if (bf != null) core.workflows.cancelFiber(bf, compensate);
        }
    }
}
