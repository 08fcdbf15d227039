package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Body;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Instr;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.Values;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves a run from one version of its program to the next ({@code version N+1} with a
 * {@code Migration from N}): a new core for the new program, holding the old run's state.
 *
 * <h2>What moves, and how</h2>
 * Everything is matched by name, never by position: modules and their instances (by key),
 * state variables, globals, events, endpoints, workflows, loads. An instance keeps the state
 * variables the new version still declares; one the new version adds gets its initial value;
 * then the migration's block for its module runs against it ({@code Migration from N { Module
 * M { $morale = 50 } }}). Globals the same. Messages in mailboxes and on the network, pending
 * calls, timers, leases, locks, forks and the waits on events carry over with their numbers
 * translated. Engine time, the random stream, ids and the trace go on from where they were.
 *
 * <p>A suspended workflow, branch or handler moves where it is when the code it runs did not
 * change (the same statements, so the same position and locals). One that sits in code that
 * changed is not moved by guesswork: the migration is <em>refused, all or nothing</em>, listing
 * each such wait with its {@code file:line:col} — as it is when the new version drops something
 * the run still uses (a module with instances holding messages, an event with waiters, a
 * workflow that is running), or when it changes a module the run keeps on the state store.
 *
 * <p>A workflow running apart is not moved: it finishes under the version it started in
 * ({@link Detached#pinned}), which alone decides its outcome, and its result reaches the moved
 * run as the new version's code expects it — refused when that version declares another result
 * type for it.
 *
 * <p>Owns: the translation. Must not write anything: the caller makes the result durable.
 */
public final class Migrator {
    /** Why a run cannot move to the new version: every reason, each with where. */
    public static final class Refused extends Exception {
        public final List<String> reasons;

        Refused(List<String> reasons) {
            super(String.join("; ", reasons));
            this.reasons = List.copyOf(reasons);
        }
    }

    /** The moved run, and what moved, in words and numbers. */
    public record Outcome(Core core, Map<String, Object> summary) {
    }

    private final Core old;
    private final Plan to;
    private final Core n;
    private final List<String> refusals = new ArrayList<>();
    private final int[] instMap;
    private final int[] eventMap;
    private final int[][] endpointMap;
    private final Map<Integer, Body> bodyMap = new HashMap<>();
    /** The new body of the same name (and occurrence) as each old one, whether its code changed or not. */
    private final Map<Integer, Body> sameName = new HashMap<>();
    private long positionsMapped;
    private final Map<Body, String[]> instructionSignatures = new java.util.IdentityHashMap<>();
    private long workflowBlocksRun;
    private final Map<Long, Fiber> fibers = new HashMap<>();
    private long instancesMoved;
    private long fibersMoved;
    private long runsApartPinned;

    private Migrator(Core old, Plan to) {
        this.old = old;
        this.to = to;
        this.n = new Core(to, old.seed, old.faults, old.decisions);
        Plan from = old.plan;
        instMap = new int[old.instances.all.length];
        for (Inst i : old.instances.all) {
            int m = to.moduleIndex(from.modules.get(i.module).name);
            instMap[i.index] = m < 0 ? -1 : n.instances.indexOf(m, i.key);
        }
        eventMap = new int[from.events.size()];
        for (Plan.EventPlan e : from.events) eventMap[e.index()] = to.eventIndex(e.name());
        endpointMap = new int[from.modules.size()][];
        for (Plan.ModulePlan m : from.modules) {
            endpointMap[m.index] = new int[m.endpoints.size()];
            int nm = to.moduleIndex(m.name);
            for (int e = 0; e < m.endpoints.size(); e++) endpointMap[m.index][e] = nm < 0 ? -1 : to.modules.get(nm).endpointIndex(m.endpoints.get(e).name());
        }
        // bodies by name and occurrence (a module's ticks share one name)
        Map<String, List<Body>> byName = new HashMap<>();
        for (Body b : to.bodies) byName.computeIfAbsent(b.name, k -> new ArrayList<>()).add(b);
        Map<String, Integer> seen = new HashMap<>();
        for (Body b : from.bodies) {
            int k = seen.merge(b.name, 1, Integer::sum) - 1;
            List<Body> candidates = byName.get(b.name);
            if (candidates == null || k >= candidates.size()) continue;
            sameName.put(b.id, candidates.get(k));
            if (signature(b).equals(signature(candidates.get(k)))) bodyMap.put(b.id, candidates.get(k));
        }
    }

    /**
     * The run {@code old} moved to {@code to}, whose {@code Migration from} the old version says
     * how; refused with every reason when it cannot move whole.
     */
    public static Outcome migrate(Core old, Plan to) throws Refused {
        Migrator m = new Migrator(old, to);
        return m.run();
    }

    private Outcome run() throws Refused {
        Plan from = old.plan;
        Plan.Migration mig = to.migrations.get(from.version);
        if (to.version <= from.version) refusals.add("the new program is version " + to.version + ", not newer than the run's version " + from.version);
        if (mig == null) refusals.add("version " + to.version + " has no Migration from " + from.version);
        if (old.hot.waiting != null) refusals.add("a batch of calls to modules on the state store is under way");
        for (String m : old.hot.modules) refuseChangedOnStore(m, from, mig);
        if (!refusals.isEmpty()) throw new Refused(refusals);

        Timeline ot = old.timeline;
        Timeline nt = n.timeline;
        nt.now = ot.now;
        nt.taskSeq = ot.taskSeq;
        nt.fiberSeq = ot.fiberSeq;
        nt.tokenSeq = ot.tokenSeq;
        nt.wfSeq = ot.wfSeq;
        nt.rng = ot.rng;
        nt.trace = ot.trace;
        n.stats.add(old.stats);
        n.errors.addAll(old.errors);
        n.failures.addAll(old.failures);
        copyInbox();

        // globals: kept by name; new ones take their initial value
        Fiber init = new Fiber(0, new Body(-1, "init", to.file), Fiber.Owner.LOAD, -1, null);
        init.ctx = n;
        Map<String, Object> oldGlobals = old.store.all();
        to.globals.forEach((name, ev) -> n.store.put(name, oldGlobals.containsKey(name) && !from.params.containsKey(name) ? oldGlobals.get(name) : ev.eval(init)));

        moveFibers();
        moveInstances(mig);
        moveWorkflows();
        moveRunsApart();
        moveCallsAndWaits();
        moveTimeline();
        moveRest();
        if (!refusals.isEmpty()) throw new Refused(refusals);
        runModuleBlocks(mig);
        runWorkflowBlocks(mig);
        if (!refusals.isEmpty()) throw new Refused(refusals);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("from", from.version);
        summary.put("to", to.version);
        summary.put("at_ms", nt.now);
        summary.put("instances", instancesMoved);
        summary.put("suspended", fibersMoved);
        summary.put("positions_mapped", positionsMapped);
        summary.put("workflows", (long) old.workflows.all.size());
        summary.put("runs_apart_on_their_version", runsApartPinned);
        summary.put("module_blocks", new ArrayList<>(mig.modules().keySet()));
        summary.put("workflow_blocks_run", workflowBlocksRun);
        return new Outcome(n, summary);
    }

    /**
     * Module {@code m} lives on the state store in this run: its record there is not the run's to
     * rewrite, so the new version must keep it as it is — the same declaration, the same globals
     * it owns, no Migration block of its own — and still storable.
     */
    private void refuseChangedOnStore(String m, Plan from, Plan.Migration mig) {
        String why = null;
        if (to.moduleIndex(m) < 0) {
            why = "version " + to.version + " has no such module";
        } else if (mig != null && mig.modules().containsKey(m)) {
            why = "the Migration has a block for it";
        } else if (!to.storable.containsKey(m)) {
            why = "in version " + to.version + " it can no longer live there";
        } else if (!java.util.Objects.equals(from.declarations.get("Module " + m), to.declarations.get("Module " + m))) {
            why = "version " + to.version + " changes it";
        } else {
            for (String g : new java.util.TreeSet<>(from.storable.getOrDefault(m, java.util.Set.of()))) {
                if (!to.storable.get(m).contains(g)) why = "in version " + to.version + " it no longer owns $" + g;
                else if (!java.util.Objects.equals(from.declarations.get("$" + g), to.declarations.get("$" + g))) why = "version " + to.version + " changes $" + g + ", which it owns";
                if (why != null) break;
            }
        }
        if (why != null) refusals.add("module " + m + " lives on the state store in this run, and " + why
                + ": a migration does not rewrite its record there (keep it as it is, or start the new version as a new run)");
    }

    private void copyInbox() {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
            old.inboxPositions.write(out);
            out.flush();
            n.inboxPositions.read(new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())), true);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every live fiber, moved to its body in the new program, or a refusal saying where it waits. */
    private void moveFibers() {
        Map<Long, Fiber> live = new java.util.TreeMap<>();
        for (Fiber f : old.waits.fibers()) live.put(f.id, f);
        for (Inst i : old.instances.all) if (i.current != null) live.put(i.current.id, i.current);
        for (Wf w : old.workflows.all.values()) if (w.fiber != null) live.put(w.fiber.id, w.fiber);
        for (Fiber f : live.values()) {
            Body nb = bodyMap.get(f.body.id);
            int inst = f.instance;
            boolean sameState = true;
            if (f.owner == Fiber.Owner.INSTANCE) {
                inst = instMap[f.instance];
                Plan.ModulePlan om = old.plan.modules.get(old.instances.all[f.instance].module);
                sameState = inst >= 0 && to.modules.get(n.instances.all[inst].module).stateNames.equals(om.stateNames);
                if (!sameState) nb = null;
            }
            Object[] locals = f.locals;
            int pc = f.pc;
            List<Object> frames = f.frames;
            if (nb == null) {
                // its code changed: moved to the same statement in the new code when that is certain
                Body target = sameState ? sameName.get(f.body.id) : null;
                String why = target == null ? (f.owner == Fiber.Owner.INSTANCE ? "its module's state variables changed" : "version " + to.version
                        + " has no " + f.body.name) : null;
                Mapped m = why == null ? map(f, target) : null;
                if (m == null || m.why != null) {
                    refusals.add(Views.waiter(old, f) + " waits at " + old.fibers.position(f) + ", in code version " + to.version + " changed, and "
                            + (why != null ? why : m.why));
                    continue;
                }
                nb = target;
                locals = m.locals;
                pc = m.pc;
                frames = m.frames;
                positionsMapped++;
            }
            Fiber g = new Fiber(f.id, nb, f.owner, inst, f.workflow);
            g.ctx = n;
            System.arraycopy(locals, 0, g.locals, 0, Math.min(locals.length, g.locals.length));
            g.payload = f.payload;
            g.pc = pc;
            g.result = f.result;
            g.waitToken = f.waitToken;
            g.rollbackState = f.rollbackState;
            g.undo = f.undo;
            g.rollbackGlobals = f.rollbackGlobals;
            g.callSeq = f.callSeq;
            g.frames.addAll(frames);
            g.parent = f.parent;
            g.branch = f.branch;
            g.blockCalls = f.blockCalls;
            g.sagaSerial = f.sagaSerial;
            g.cancelling = f.cancelling;
            g.noCompensate = f.noCompensate;
            g.rerun = f.rerun;
            g.cancelDeferred = f.cancelDeferred;
            g.cancelDeferredCompensate = f.cancelDeferredCompensate;
            fibers.put(f.id, g);
            fibersMoved++;
        }
        for (Waits.Wait w : old.waits.all()) {
            Fiber g = fibers.get(w.fiber.id);
            if (g != null) n.waits.put(g, w.kind, w.since);
        }
    }

    private void moveInstances(Plan.Migration mig) {
        Fiber init = new Fiber(0, new Body(-1, "init", to.file), Fiber.Owner.INSTANCE, 0, null);
        for (Inst ni : n.instances.all) {
            n.instances.initState(ni);
            ni.lifecycle = Lifecycle.INSTANCE.move(ni.lifecycle, "IDLE");
            ni.ticksQueued = new int[to.modules.get(ni.module).ticks.size()];
        }
        for (Inst oi : old.instances.all) {
            int idx = instMap[oi.index];
            if (idx < 0) {
                if (!oi.mailbox.isEmpty() || oi.current != null) {
                    refusals.add(oi.name + " is gone from version " + to.version + " but still has " + oi.mailbox.size() + " message(s) to handle"
                            + (oi.current != null ? " and a handler under way" : ""));
                }
                continue;
            }
            Inst ni = n.instances.all[idx];
            Plan.ModulePlan om = old.plan.modules.get(oi.module);
            Plan.ModulePlan nm = to.modules.get(ni.module);
            for (int k = 0; k < nm.stateNames.size(); k++) {
                int was = om.stateNames.indexOf(nm.stateNames.get(k));
                if (was >= 0) ni.state[k] = oi.state[was];
            }
            for (Msg m : oi.mailbox) {
                Msg t = msg(m, oi.module, oi.name);
                if (t != null) ni.mailbox.add(t);
            }
            ni.current = oi.current == null ? null : fibers.get(oi.current.id);
            ni.currentMsg = oi.currentMsg == null || oi.currentMsg.handler() < 0 ? oi.currentMsg : msg(oi.currentMsg, oi.module, oi.name);
            ni.callSeqAtStart = oi.callSeqAtStart;
            ni.epoch = oi.epoch;
            ni.callSeq = oi.callSeq;
            ni.crashed = oi.crashed;
            oi.lastCall.forEach((caller, r) -> ni.lastCall.put(caller, r.copy()));
            ni.keyed.putAll(oi.keyed);
            ni.fences.putAll(oi.fences);
            for (int t = 0; t < Math.min(oi.ticksQueued.length, ni.ticksQueued.length); t++) ni.ticksQueued[t] = oi.ticksQueued[t];
            ni.handled = oi.handled;
            ni.lifecycle = oi.lifecycle;
            instancesMoved++;
        }
    }

    /** Message {@code m} for an instance of old module {@code module}, its handler renumbered; null (and a refusal) when the new version has no such handler. */
    private Msg msg(Msg m, int module, String where) {
        int h = m.handler();
        int nm = to.moduleIndex(old.plan.modules.get(module).name);
        switch (m.kind()) {
            case Msg.EVENT -> {
                h = eventMap[h];
                if (h < 0 || nm < 0 || to.modules.get(nm).handlers.get(h) == null) {
                    refusals.add(where + " has an event " + old.plan.events.get(m.handler()).name() + " to handle, and version " + to.version + " has no handler for it there");
                    return null;
                }
            }
            case Msg.TICK -> {
                if (nm < 0 || h >= to.modules.get(nm).ticks.size()) return null; // a tick version N+1 no longer has: nothing to do
            }
            default -> {
                h = endpointMap[module][h];
                if (h < 0) {
                    refusals.add("a call to " + where + "." + old.plan.modules.get(module).endpoints.get(m.handler()).name() + " is under way, and version "
                            + to.version + " has no such endpoint");
                    return null;
                }
            }
        }
        return h == m.handler() ? m : new Msg(m.kind(), h, m.payload(), m.caller(), m.epoch(), m.seq(), m.key(), m.fiber(), m.token(), m.fenceKeys(), m.fenceToken());
    }

    private void moveWorkflows() {
        for (Wf w : old.workflows.all.values()) {
            String name = old.plan.workflows.get(w.workflow).name();
            int idx = -1;
            for (Plan.WorkflowPlan wp : to.workflows) if (wp.name().equals(name)) idx = wp.index();
            if (idx < 0) {
                refusals.add("workflow " + name + " is gone from version " + to.version + " but the run has " + w.id + " (" + w.status + ")");
                continue;
            }
            Wf v = new Wf(w.id, idx, w.startedAt);
            v.fiber = w.fiber == null ? null : fibers.get(w.fiber.id);
            v.status = w.status;
            v.result = w.result;
            v.error = w.error;
            v.callSeq = w.callSeq;
            v.timedWait = w.timedWait;
            v.parent = w.parent;
            v.parentFiber = w.parentFiber;
            v.parentToken = w.parentToken;
            v.depth = w.depth;
            v.childrenStarted = w.childrenStarted;
            v.children.addAll(w.children);
            n.workflows.all.put(v.id, v);
            if (old.workflows.live.containsKey(w.id)) n.workflows.live.put(v.id, v);
        }
    }

    /**
     * Workflows running apart keep running under the version they started in (their outcome
     * depends on nothing of the run, so that version's code decides it alone); their result
     * reaches the moved run — refused when the new version declares another result type for the
     * workflow (its code would read a value of the old type).
     */
    private void moveRunsApart() {
        for (Detached d : old.apart.runs.values()) {
            Plan under = d.plan(old);
            Plan.WorkflowPlan was = under.workflows.get(d.workflow);
            Plan.WorkflowPlan now = null;
            for (Plan.WorkflowPlan wp : to.workflows) if (wp.name().equals(was.name())) now = wp;
            if (now == null) continue; // refused by moveWorkflows
            if (!was.returns().equals(now.returns())) {
                refusals.add("workflow " + d.id + " runs apart under version " + under.version + ", and version " + to.version + " changes what "
                        + was.name() + " returns (" + was.returns().display() + ", now " + now.returns().display() + "): the new code would read its"
                        + " result as the new type");
                continue;
            }
            Detached moved = new Detached(d.id, d.workflow, d.args, d.startedAt, d.seq, d.depth, d.seed);
            moved.outcome = d.outcome;
            moved.pinned = under;
            n.apart.runs.put(moved.id, moved);
            runsApartPinned++;
        }
    }

    private void moveCallsAndWaits() {
        for (Calls.Pending p : old.calls.pending.values()) {
            int target = instMap[p.target()];
            if (target < 0) {
                refusals.add("a call to " + old.instances.all[p.target()].name + " is under way, and version " + to.version + " has no such instance");
                continue;
            }
            Msg m = msg(p.msg(), old.instances.all[p.target()].module, old.instances.all[p.target()].name);
            if (m == null) continue;
            n.calls.pending.put(p.fiber(), new Calls.Pending(p.fiber(), p.token(), target, m, p.attemptsLeft(), p.backoffMs(), p.timeoutMs(),
                    p.persistent(), p.retryFailures()));
        }
        old.calls.callMsgs.forEach((fiber, m) -> {
            Fiber f = old.instances.all.length == 0 ? null : findFiber(fiber);
            if (f == null || f.owner != Fiber.Owner.INSTANCE) return;
            Msg t = msg(m, old.instances.all[f.instance].module, old.instances.all[f.instance].name);
            if (t != null) n.calls.callMsgs.put(fiber, t);
        });
        for (int e = 0; e < old.workflows.waiters.size(); e++) {
            List<Workflows.Waiter> ws = old.workflows.waiters.get(e);
            if (ws.isEmpty()) continue;
            if (eventMap[e] < 0) {
                refusals.add(ws.size() + " workflow(s) await " + old.plan.events.get(e).name() + ", which version " + to.version + " no longer has");
                continue;
            }
            n.workflows.waiters.get(eventMap[e]).addAll(ws);
        }
        n.locks.fenceSeq = old.locks.fenceSeq;
        n.locks.held.putAll(old.locks.held);
        n.locks.queue.addAll(old.locks.queue);
        n.joins.open.putAll(old.joins.open);
        n.joins.shared.putAll(old.joins.shared);
    }

    private Fiber findFiber(long id) {
        for (Inst i : old.instances.all) if (i.current != null && i.current.id == id) return i.current;
        return old.waits.get(id);
    }

    private void moveTimeline() {
        for (Task t : old.timeline.tasks.sorted()) {
            int target = t.target();
            Object value = t.value();
            long token = t.token();
            switch (t.kind()) {
                case Task.DELIVER -> {
                    target = instMap[t.target()];
                    if (target < 0) {
                        if (((Msg) value).kind() != Msg.TICK) refusals.add("a message to " + old.instances.all[t.target()].name + " is on its way, and version "
                                + to.version + " has no such instance");
                        continue;
                    }
                    value = msg((Msg) value, old.instances.all[t.target()].module, old.instances.all[t.target()].name);
                    if (value == null) continue;
                }
                case Task.TICK -> {
                    target = instMap[t.target()];
                    if (target < 0 || token >= to.modules.get(n.instances.all[target].module).ticks.size()) continue;
                }
                case Task.CRASH, Task.RESTART -> {
                    target = instMap[t.target()];
                    if (target < 0) continue;
                }
                case Task.LOAD -> {
                    target = to.loads.stream().filter(l -> l.name().equals(old.plan.loads.get(t.target()).name())).mapToInt(Plan.LoadPlan::index).findFirst().orElse(-1);
                    if (target < 0) continue; // a load the new version no longer has stops
                }
                default -> {
                    // fiber-, token- and id-based tasks: the numbers are the run's, not the program's
                }
            }
            n.timeline.tasks.add(new Task(t.time(), t.seq(), t.kind(), target, t.fiber(), token, value));
            if (t.kind() == Task.DELIVER && n.inFlight((Msg) value, target)) n.deliveriesInFlight++;
        }
        // a module the new version adds starts ticking now
        for (Inst ni : n.instances.all) {
            if (old.plan.moduleIndex(to.modules.get(ni.module).name) >= 0) continue;
            for (Plan.Tick tk : to.modules.get(ni.module).ticks) n.schedule(n.timeline.now + Timeline.periodMs(tk.period()), Task.TICK, ni.index, 0, tk.index(), null);
        }
    }

    private void moveRest() {
        for (Plan.EventPlan e : old.plan.events) if (eventMap[e.index()] >= 0) n.events.counts[eventMap[e.index()]] = old.events.counts[e.index()];
        for (Plan.LoadPlan l : to.loads) {
            int was = -1;
            for (Plan.LoadPlan ol : old.plan.loads) if (ol.name().equals(l.name())) was = ol.index();
            if (was >= 0) {
                n.loads.emitted[l.index()] = old.loads.emitted[was];
                n.loads.carry[l.index()] = old.loads.carry[was];
                n.loads.done[l.index()] = old.loads.done[was];
            } else {
                n.schedule(Math.max(n.timeline.now, l.start().toMillis()), Task.LOAD, l.index(), 0, 0, null);
            }
        }
        n.network.discarded.putAll(old.network.discarded);
        n.apart.rootId = old.apart.rootId;
        n.apart.rootEnded = old.apart.rootEnded;
        n.apart.ended.putAll(old.apart.ended);
    }

    /** The migration's module blocks, run against each instance's (moved) state, in key order. */
    private void runModuleBlocks(Plan.Migration mig) {
        mig.modules().forEach((module, body) -> {
            int m = to.moduleIndex(module);
            for (int i = n.instances.first[m]; i < n.instances.first[m + 1]; i++) {
                Fiber f = new Fiber(0, body, Fiber.Owner.INSTANCE, i, null);
                f.ctx = n;
                f.payload = None.NONE;
                try {
                    runToEnd(body, f);
                } catch (RuntimeException e) {
                    refusals.add("Migration from " + mig.from() + ", Module " + module + ", on " + n.instances.all[i].name + ": " + e.getMessage());
                    return;
                }
            }
        });
    }

    /** Where a suspended fiber goes in changed code: its pc, locals and frames there, or why it cannot be said. */
    private record Mapped(int pc, Object[] locals, List<Object> frames, String why) {
        static Mapped no(String why) {
            return new Mapped(-1, null, null, why);
        }
    }

    /**
     * The place in {@code to} of fiber {@code f}, suspended in code that changed: the statement it
     * waits at (and each saga and loop it is in) must be in the new code once, as it was in the old,
     * the loops around the place it moves to; its locals move by name, each loop's hidden state
     * (a {@code for}'s list and position, a {@code while}'s count) from the old loop to the new.
     */
    private Mapped map(Fiber f, Body to) {
        Body from = f.body;
        Integer pc = samePlace(from, f.pc, to);
        if (pc == null) return Mapped.no("the statement it waits at is not in the new code once (" + from.code[Math.max(0, f.pc)].describe()
                + "): no mapping says where it goes");
        // each loop it waits in must be in the new code once too, around the place it moves to: it goes on
        // there, over the same list from the same position (or with the same iteration count)
        List<int[]> hidden = new ArrayList<>(); // {old slot, new slot}
        for (int i = 0; i < from.code.length; i++) {
            int exit = from.code[i].loopExit();
            if (exit <= 0 || i > f.pc || f.pc >= exit) continue;
            Integer head = samePlace(from, i, to);
            if (head == null) return Mapped.no("the loop it waits in is not in the new code once (" + from.code[i].describe() + " at "
                    + at(from, from.code[i]) + "): no mapping says where it goes");
            if (pc < head || pc >= to.code[head].loopExit()) return Mapped.no("the statement it waits at is no longer inside the loop at "
                    + at(from, from.code[i]) + " in the new code");
            int[] was = from.code[i].loopSlots();
            int[] now = to.code[head].loopSlots();
            if (was.length != now.length) return Mapped.no("the loop at " + at(from, from.code[i]) + " is of another kind in the new code");
            for (int k = 0; k < was.length; k++) hidden.add(new int[] {was[k], now[k]});
        }
        List<Object> frames = new ArrayList<>();
        for (Object fr : f.frames) {
            if (fr instanceof dev.baton.runtime.plan.SagaFrame sf) {
                Integer begin = samePlace(from, sf.beginPc, to);
                if (begin == null) return Mapped.no("the Saga it is in changed");
                dev.baton.runtime.plan.SagaFrame moved = new dev.baton.runtime.plan.SagaFrame(begin, sf.key);
                moved.completed.addAll(sf.completed);
                moved.current = sf.current;
                moved.compensating = sf.compensating;
                moved.pivotPassed = sf.pivotPassed;
                moved.attempts = sf.attempts;
                moved.failure = sf.failure;
                frames.add(moved);
            } else {
                frames.add(fr);
            }
        }
        Object[] locals = new Object[to.locals];
        java.util.Arrays.fill(locals, None.NONE);
        for (int k = 0; k < to.locals; k++) {
            String name = k < to.slotNames.size() ? to.slotNames.get(k) : null;
            if (name == null || java.util.Collections.frequency(to.slotNames, name) != 1) continue;
            int was = from.slotNames.indexOf(name);
            if (was < 0) continue;
            if (from.slotNames.lastIndexOf(name) != was) return Mapped.no("its local '" + name + "' is declared more than once");
            locals[k] = f.locals[was];
        }
        for (int[] slot : hidden) locals[slot[1]] = f.locals[slot[0]];
        return new Mapped(pc, locals, frames, null);
    }

    /** {@code file:line:col} of an instruction. */
    private static String at(Body b, Instr in) {
        return b.file.name() + ":" + b.file.line(in.span.start()) + ":" + b.file.column(in.span.start());
    }

    /** The pc in {@code to} of the instruction at {@code pc} in {@code from}, when each body has that statement exactly once; else null. */
    private Integer samePlace(Body from, int pc, Body to) {
        if (pc < 0 || pc >= from.code.length) return null;
        String[] old = signatures(from);
        String[] now = signatures(to);
        String want = old[pc];
        int found = -1;
        for (int i = 0; i < old.length; i++) if (i != pc && old[i].equals(want)) return null;
        for (int i = 0; i < now.length; i++) {
            if (!now[i].equals(want)) continue;
            if (found >= 0) return null;
            found = i;
        }
        return found < 0 ? null : found;
    }

    /** Each instruction's signature in {@code b}, worked out once per body (many fibers may run the same code). */
    private String[] signatures(Body b) {
        return instructionSignatures.computeIfAbsent(b, x -> {
            String[] out = new String[x.code.length];
            for (int i = 0; i < out.length; i++) out[i] = signature(x, x.code[i]);
            return out;
        });
    }

    private static String signature(Body b, Instr in) {
        String text = b.file.text();
        int from = Math.max(0, Math.min(in.span.start(), text.length()));
        int to = Math.max(from, Math.min(in.span.end(), text.length()));
        return in.getClass().getSimpleName() + ":" + text.substring(from, to);
    }

    /** Runs a migration block (it cannot wait: assignments and lets) to its end in fiber {@code f}. */
    private static void runToEnd(Body body, Fiber f) {
        int pc = 0;
        while (pc >= 0 && pc < body.code.length) pc = body.code[pc].exec(f, pc);
    }

    /** The migration's workflow blocks, run against each moved fiber's locals (the workflow's own fiber and its branches), in fiber order. */
    private void runWorkflowBlocks(Plan.Migration mig) {
        if (mig.workflows().isEmpty()) return;
        for (Fiber g : new java.util.TreeMap<>(fibers).values()) {
            if (g.owner != Fiber.Owner.WORKFLOW) continue;
            Wf w = n.workflows.all.get(g.workflow);
            if (w == null) continue;
            Body block = mig.workflows().get(to.workflows.get(w.workflow).name());
            if (block == null || g.body != to.workflows.get(w.workflow).body()) continue;
            Fiber f = new Fiber(0, block, Fiber.Owner.WORKFLOW, -1, g.workflow);
            f.ctx = n;
            f.payload = g.payload;
            System.arraycopy(g.locals, 0, f.locals, 0, Math.min(g.locals.length, f.locals.length));
            try {
                runToEnd(block, f);
            } catch (RuntimeException e) {
                refusals.add("Migration from " + mig.from() + ", Workflow " + to.workflows.get(w.workflow).name() + ", on " + Views.waiter(n, g) + ": " + e.getMessage());
                return;
            }
            System.arraycopy(f.locals, 0, g.locals, 0, Math.min(g.locals.length, f.locals.length));
            workflowBlocksRun++;
        }
    }

    /** What a body's code is: its instructions' kinds and the text they were compiled from; equal signatures, the same code. */
    static String signature(Body b) {
        StringBuilder s = new StringBuilder();
        s.append(b.locals).append('|');
        if (b.code == null) return s.toString();
        for (Instr in : b.code) s.append(signature(b, in)).append('\u0000');
        return s.toString();
    }

    /** The value shown for a refusal's reason. */
    static String show(Object v) {
        return Values.show(v);
    }
}
