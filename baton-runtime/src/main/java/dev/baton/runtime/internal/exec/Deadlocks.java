package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.plan.Fiber;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deadlock detection: the waits of {@link Waits} as a wait-for graph, searched for a cycle the
 * moment one can close, and one wait of the cycle failed so the rest go on.
 *
 * <h2>Design</h2>
 * An edge runs from a suspended fiber to the suspended fiber it cannot go on without:
 * <ul>
 *   <li>a call whose message has reached a busy instance — queued behind, or being handled by, a
 *       handler that is itself suspended — waits on that handler;</li>
 *   <li>a {@code Lock} request waits on the holders of the keys it asks for;</li>
 *   <li>a {@code Join} waits on its branches, a {@code Run} on its child, and a {@code Join (name)}
 *       on the running branches of the fork another workflow shares under that name.</li>
 * </ul>
 * Timers, events, retries and messages still on the network are no edges: time or the world
 * moves them on. Every cycle holds a queued call or a lock request (the other edges point from
 * a caller to its callee's handler, or down the tree of branches and children), so the search
 * runs when one of those is added — {@link #callQueued}, {@link #lockQueued} and {@link #joinQueued}
 * (a join on a shared fork, which watches and so also undoes nothing when failed) — from the fiber
 * that just started waiting; any cycle it closes passes through that fiber. A search that finds
 * nothing costs the edges it walked (one per wait on the path, in practice a handful).
 *
 * <p>When a cycle is found, its waits are listed in order with their positions, and the waits
 * hanging off it (those that wait on the cycle, directly or not) beside them. The wait that
 * fails is chosen so that failing it undoes nothing: a call still queued (its message is taken
 * out of the mailbox, so it never runs) or a lock request; among those the latest to begin, then
 * the highest fiber id — a choice that depends only on the run, so replays choose the same. It
 * fails as a call does (a {@link CallFailure} whose message starts {@code deadlock}, never
 * retried), through its saga and locks, so the others go on.
 *
 * <p>Owns: the search, the deadlocks found. Must not decide what a failure does (the fiber's
 * frames do).
 */
final class Deadlocks {
    /** The code every deadlock report carries (docs/language.md, runtime errors). */
    static final String CODE = "B0601";
    /** At most this many waiters behind a cycle are named in its report (the rest are counted). */
    private static final int BEHIND_NAMED = 10;

    /** One edge of the wait-for graph: {@code from} cannot go on before {@code to} does; {@code queued}: failing it undoes nothing. */
    private record Edge(Fiber from, Fiber to, String what, boolean queued) {
    }

    private final Core core;
    /** Victims chosen and not yet woken: fiber id to the token of the wait that fails (their waits are ending: no edges). */
    private final Map<Long, Long> failing = new HashMap<>();
    final List<Core.Deadlock> found = new ArrayList<>();

    Deadlocks(Core core) {
        this.core = core;
    }

    /** Call message {@code m} was queued in the mailbox of a busy instance: its caller may have closed a cycle. */
    void callQueued(Msg m) {
        if (m.fiber() < 0) return; // a call from outside the program: nothing there waits in the run
        Fiber caller = core.waits.waiting(m.fiber(), m.token());
        if (caller != null) search(caller);
    }

    /** Fiber {@code f} began waiting in a {@code Join (name)} on a shared fork that is running. */
    void joinQueued(Fiber f) {
        search(f);
    }

    /** Fiber {@code f} queued for lock keys. */
    void lockQueued(Fiber f) {
        search(f);
    }

    /** Looks for a cycle through {@code start}; fails one of its waits when there is one. */
    private void search(Fiber start) {
        // depth-first over the edges out of start; a path back to start is a cycle
        List<Edge> path = new ArrayList<>();
        List<Iterator<Edge>> stack = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        seen.add(start.id);
        stack.add(edges(start).iterator());
        while (!stack.isEmpty()) {
            Iterator<Edge> it = stack.get(stack.size() - 1);
            if (!it.hasNext()) {
                stack.remove(stack.size() - 1);
                if (!path.isEmpty()) path.remove(path.size() - 1);
                continue;
            }
            Edge e = it.next();
            if (e.to() == start) {
                path.add(e);
                resolve(path);
                return;
            }
            if (!seen.add(e.to().id)) continue;
            path.add(e);
            stack.add(edges(e.to()).iterator());
        }
    }

    /** The edges out of suspended fiber {@code f}: what it cannot go on without. */
    private List<Edge> edges(Fiber f) {
        Waits.Wait w = core.waits.of(f.id);
        if (w == null || w.fiber != f) return List.of();
        Long ending = failing.get(f.id);
        if (ending != null && ending == f.waitToken) return List.of();
        switch (w.kind) {
            case REPLY -> {
                Edge e = callEdge(f);
                return e == null ? List.of() : List.of(e);
            }
            case LOCK -> {
                Locks.LockRequest r = core.locks.queued(f.id);
                if (r == null || r.token() != f.waitToken) return List.of();
                Map<Long, List<String>> byHolder = new LinkedHashMap<>();
                for (String k : r.keys()) {
                    Locks.Holder h = core.locks.held.get(k);
                    if (h != null) byHolder.computeIfAbsent(h.fiber(), x -> new ArrayList<>()).add(k);
                }
                List<Edge> out = new ArrayList<>();
                byHolder.forEach((holder, keys) -> {
                    Fiber hf = core.waits.get(holder);
                    if (hf != null) out.add(new Edge(f, hf, "waits for the lock on " + quoted(keys) + " held by " + who(hf), true));
                });
                return out;
            }
            case JOIN -> {
                Joins.JoinState js = core.joins.open.get(f.id);
                if (js == null || js.parentToken != f.waitToken) return sharedEdges(f);
                List<Edge> out = new ArrayList<>();
                for (int k = 0; k < js.branches.length; k++) {
                    if (js.state[k] != 0) continue;
                    Fiber b = core.waits.get(js.branches[k]);
                    if (b != null) out.add(new Edge(f, b, "joins its branch " + (k + 1), false));
                }
                return out;
            }
            case CHILD -> {
                Wf wf = core.workflows.all.get(f.workflow);
                if (wf == null) return List.of();
                List<Edge> out = new ArrayList<>();
                for (String id : wf.children) {
                    Wf child = core.workflows.all.get(id);
                    if (child == null || child.parentFiber != f.id || child.parentToken != f.waitToken || child.fiber == null) continue;
                    Fiber cf = core.waits.get(child.fiber.id);
                    if (cf != null) out.add(new Edge(f, cf, "runs its child workflow " + child.id, false));
                }
                return out;
            }
            default -> {
                return List.of();
            }
        }
    }

    /** A {@code Join (name)} waits on the running branches of the fork shared under that name (failing it undoes nothing: it only watches). */
    private List<Edge> sharedEdges(Fiber f) {
        String name = core.joins.observed(f.id, f.waitToken);
        if (name == null) return List.of();
        Joins.Shared sh = core.joins.shared.get(name);
        Joins.JoinState js = sh.parent == 0 ? null : core.joins.open.get(sh.parent);
        if (js == null) return List.of();
        List<Edge> out = new ArrayList<>();
        for (int k = 0; k < js.branches.length; k++) {
            if (js.state[k] != 0) continue;
            Fiber b = core.waits.get(js.branches[k]);
            if (b != null) out.add(new Edge(f, b, "joins the fork shared as '" + name + "', whose branch " + (k + 1) + " is " + who(b), true));
        }
        return out;
    }

    /** The edge of a call whose message reached a busy instance whose handler is suspended; null otherwise (on the network, or the callee free). */
    private Edge callEdge(Fiber f) {
        Calls.Pending p = core.calls.pending.get(f.id);
        if (p == null || p.token() != f.waitToken) return null;
        Inst target = core.instances.all[p.target()];
        if (target.crashed || target.current == null || !core.placement.here(target.index)) return null;
        Fiber handler = core.waits.get(target.current.id);
        if (handler != target.current) return null;
        String endpoint = target.name + "." + core.plan.modules.get(target.module).endpoints.get(p.msg().handler()).name();
        Msg running = target.currentMsg;
        if (running != null && running.kind() == Msg.CALL && running.fiber() == f.id && running.token() == p.token()) {
            return new Edge(f, handler, "waits for the reply of " + endpoint + ", which " + who(handler) + " is handling", false);
        }
        if (queuedMsg(target, f.id, p.token()) == null) return null;
        String behind = handler == f ? "its own handler (a call to the instance it runs on)" : "the handler " + who(handler) + " runs";
        return new Edge(f, handler, "calls " + endpoint + ", queued behind " + behind, true);
    }

    private static Msg queuedMsg(Inst inst, long fiber, long token) {
        for (Msg m : inst.mailbox) if (m.kind() == Msg.CALL && m.fiber() == fiber && m.token() == token) return m;
        return null;
    }

    /** Reports the cycle {@code cycle} (edges in order) and fails one of its waits. */
    private void resolve(List<Edge> cycle) {
        Edge victim = null;
        for (Edge e : cycle) {
            if (victim == null || better(e, victim)) victim = e;
        }
        Set<Long> members = new HashSet<>();
        for (Edge e : cycle) members.add(e.from().id);
        List<String> behind = behind(members);
        List<String> waits = new ArrayList<>();
        for (Edge e : cycle) waits.add(who(e.from()) + " at " + core.fibers.position(e.from()) + " " + e.what());
        StringBuilder text = new StringBuilder("deadlock ").append(CODE).append(": ");
        text.append(cycle.size() == 1 ? "a wait on itself: " : "a cycle of " + cycle.size() + " waits: ");
        text.append(String.join(" -> ", waits));
        if (!behind.isEmpty()) text.append("; waiting behind the cycle: ").append(String.join(", ", behind));
        text.append("; the wait of ").append(who(victim.from())).append(" fails (the cycle's latest ")
                .append(victim.queued() ? "queued call or lock request" : "wait").append(") so the others go on");
        Fiber v = victim.from();
        String message = text.toString();
        found.add(new Core.Deadlock(core.timeline.now, CODE, List.copyOf(waits), List.copyOf(behind), who(v), core.fibers.position(v), message));
        core.stats.deadlocks++;
        long token = v.waitToken;
        failing.put(v.id, token);
        // a queued call is taken back before it runs; a lock request leaves the queue
        Calls.Pending p = core.calls.pending.get(v.id);
        if (p != null && p.token() == token) {
            Inst target = core.instances.all[p.target()];
            Msg m = queuedMsg(target, v.id, token);
            if (m != null) target.mailbox.remove(m);
        }
        core.locks.queue.removeIf(r -> r.fiber() == v.id);
        if (core.waits.of(v.id).kind == Waits.Kind.JOIN) {
            Joins.JoinState own = core.joins.open.get(v.id);
            if (own != null && own.parentToken == token) core.joins.abandon(v.id);
            else core.joins.stopObserving(v.id);
        }
        core.schedule(core.timeline.now, Task.REPLY, -1, v.id, token, new CallFailure(message));
    }

    /** A wait that fails in preference to {@code than}: one whose failure undoes nothing, then the later to begin, then the higher fiber. */
    private boolean better(Edge e, Edge than) {
        if (e.queued() != than.queued()) return e.queued();
        long a = core.waits.of(e.from().id).since;
        long b = core.waits.of(than.from().id).since;
        if (a != b) return a > b;
        return e.from().id > than.from().id;
    }

    /** The waits that wait on the cycle's members (directly or through others), named, oldest first. */
    private List<String> behind(Set<Long> members) {
        // the reverse graph over every wait, walked back from the cycle
        Map<Long, List<Fiber>> waitersOf = new HashMap<>();
        List<Waits.Wait> all = new ArrayList<>(core.waits.all());
        all.sort(java.util.Comparator.comparingLong((Waits.Wait w) -> w.since).thenComparingLong(w -> w.fiber.id));
        for (Waits.Wait w : all) {
            for (Edge e : edges(w.fiber)) waitersOf.computeIfAbsent(e.to().id, x -> new ArrayList<>()).add(w.fiber);
        }
        Set<Long> seen = new HashSet<>(members);
        ArrayDeque<Long> todo = new ArrayDeque<>(members);
        List<Fiber> tail = new ArrayList<>();
        while (!todo.isEmpty()) {
            for (Fiber w : waitersOf.getOrDefault(todo.poll(), List.of())) {
                if (seen.add(w.id)) {
                    tail.add(w);
                    todo.add(w.id);
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (Fiber t : tail) {
            if (out.size() == BEHIND_NAMED) {
                out.add("and " + (tail.size() - BEHIND_NAMED) + " more");
                break;
            }
            out.add(who(t) + " at " + core.fibers.position(t));
        }
        return out;
    }

    /** The victim {@code fiber} was woken (or its wait ended otherwise). */
    void ended(long fiber) {
        if (!failing.isEmpty()) failing.remove(fiber);
    }

    private String who(Fiber f) {
        return Views.waiter(core, f);
    }

    private static String quoted(List<String> keys) {
        List<String> q = new ArrayList<>();
        for (String k : keys) q.add("'" + k + "'");
        return String.join(", ", q);
    }
}
