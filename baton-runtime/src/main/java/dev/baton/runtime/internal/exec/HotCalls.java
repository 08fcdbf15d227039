package dev.baton.runtime.internal.exec;

import dev.baton.runtime.value.Values;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The core's side of hot modules (see {@link Hot}): modules whose state lives on the state store,
 * whose calls run elsewhere in batches, and whose outcomes this core applies.
 *
 * <h2>Design</h2>
 * A strategy plugged into the timeline: every delivery to a hot instance scheduled is also kept
 * in {@link #queued}; before the first of them is processed the core hands the batch of all
 * due at that time to the {@link Hot.Runner} and holds until their outcomes are told
 * ({@link #told}); each delivery then applies its outcome — replies, state, globals, starts,
 * counters, errors — as running it here would have. In a host's core the same class runs the
 * calls ({@link #hostRun}), with an {@link Outlet} that puts what a call produces into its outcome.
 *
 * <p>Owns: which instances are hot, the queued deliveries, known outcomes, the batch held for.
 * Must not change the order of the timeline.
 */
final class HotCalls {
    private final Core core;
    private Hot.Runner runner;
    /** Which instances are hot (null: none). */
    private boolean[] hot;
    /** The modules kept on the state store, as set (none until {@link #set}). */
    List<String> modules = List.of();
    /** Deliveries to hot instances on the timeline, and the outcomes known for them (by task seq). */
    private final java.util.TreeSet<Task> queued = new java.util.TreeSet<>();
    private final TreeMap<Long, Hot.Outcome> known = new TreeMap<>();
    /** The batch this core holds for (null: none). */
    byte[] waiting;
    /** In a host's core: the hot instance (else -1), and what the call being run did. */
    private int hostInst = -1;
    private Hot.Outcome hostOut;

    HotCalls(Core core) {
        this.core = core;
    }

    /** Keeps {@code modules} out of the core: each call to one runs through {@code runner}. */
    void set(Hot.Runner runner, java.util.Collection<String> modules) {
        boolean[] h = new boolean[core.instances.all.length];
        for (String m : modules) {
            if (!core.plan.storable.containsKey(m)) throw new IllegalArgumentException(m + " cannot live on the state store");
            int mi = core.plan.moduleIndex(m);
            if (Hot.mayCrash(core.plan, core.faults, m)) throw new IllegalArgumentException(m + " cannot live on the state store in a run where a fault may crash it");
            for (int i = core.instances.first[mi]; i < core.instances.first[mi + 1]; i++) h[i] = true;
        }
        this.runner = runner;
        this.hot = h;
        this.modules = List.copyOf(modules);
        queued.clear();
        for (Task t : core.timeline.tasks.sorted()) if (t.kind() == Task.DELIVER && h[t.target()]) queued.add(t);
    }

    /** True when instance {@code inst} is hot. */
    boolean owns(int inst) {
        return hot != null && hot[inst];
    }

    /** A task was put on the timeline. */
    void scheduled(Task t) {
        if (hot != null && t.kind() == Task.DELIVER && hot[t.target()]) queued.add(t);
    }

    /** A task was taken off the timeline. */
    void taken(Task t) {
        if (hot != null && t.kind() == Task.DELIVER && hot[t.target()]) queued.remove(t);
    }

    /**
     * Before task {@code t} is processed: true when it is a delivery to a hot instance whose
     * outcome is not known and the runner could not tell it yet (the core holds, {@link #waiting}
     * set); false when {@code t} may go on.
     */
    boolean holds(Task t) {
        if (runner == null || t.kind() != Task.DELIVER || !hot[t.target()] || known.containsKey(t.seq())) return false;
        byte[] batch = batch(t.time());
        byte[] out = runner.run(batch);
        if (out == null) {
            waiting = batch;
            return true;
        }
        told(out);
        return false;
    }

    /** The calls to hot instances due at {@code time} whose outcome is not known, in timeline order. */
    private byte[] batch(long time) {
        List<Hot.Delivery> batch = new ArrayList<>();
        for (Task t : queued) {
            if (t.time() > time) break;
            if (!known.containsKey(t.seq())) batch.add(new Hot.Delivery(t.seq(), t.time(), t.target(), (Msg) t.value()));
        }
        return Hot.encodeBatch(batch);
    }

    /** The outcomes of a batch (from the runner); the core goes on at its next run. */
    void told(byte[] outcomes) {
        known.putAll(Hot.decodeOutcomes(outcomes));
        waiting = null;
    }

    /** A call reaching a hot instance: what it did there, done here (as running and completing it would). */
    void deliver(Inst inst, Msg m, long seq) {
        Hot.Outcome o = known.remove(seq);
        if (o == null) throw new IllegalStateException("a call to " + inst.name + " was delivered before its outcome was known");
        if (o.ran) {
            ++core.timeline.fiberSeq;
            inst.handled++;
        }
        for (Hot.Start st : o.starts) core.startWorkflow(null, st.workflow(), st.args(), st.id());
        o.globals.forEach(core.store::put);
        o.state.forEach((slot, v) -> inst.state[slot] = v);
        core.stats.add(o.stats);
        for (Hot.Recorded r : o.errors) {
            List<Core.RunError> list = r.declared() ? core.failures : core.errors;
            if (list.size() < Core.MAX_ERRORS_KEPT) list.add(r.error());
        }
        if (o.reply != null) core.outlet.reply(m, o.reply);
    }

    /** Makes this core a {@link Hot.Host}'s, {@code inst} answering calls (globals and states already initialised). */
    void host(int inst) {
        hostInst = inst;
    }

    int hostInstance() {
        return hostInst;
    }

    /** In a host's core: runs a batch of calls against the loaded record; their outcomes. */
    byte[] hostRun(byte[] calls) {
        Inst inst = core.instances.all[hostInst];
        java.util.Set<String> owned = core.plan.storable.get(core.plan.modules.get(inst.module).name);
        TreeMap<Long, Hot.Outcome> outcomes = new TreeMap<>();
        Outlet run = core.outlet;
        for (Hot.Delivery d : Hot.decodeBatch(calls)) {
            if (d.target() != hostInst) throw new IllegalStateException("a call to " + core.instances.all[d.target()].name + " reached the host of " + inst.name);
            core.timeline.now = d.time();
            Stats before = new Stats();
            before.add(core.stats);
            Map<String, Object> globalsBefore = new java.util.HashMap<>();
            for (String g : owned) globalsBefore.put(g, core.store.get(g));
            Object[] stateBefore = new Object[inst.state.length];
            for (int k = 0; k < stateBefore.length; k++) stateBefore[k] = Hot.plain(inst.state[k]);
            long handledBefore = inst.handled;
            hostOut = new Hot.Outcome();
            core.outlet = hostOutlet;
            try {
                core.instances.deliver(inst, d.msg());
            } finally {
                Hot.Outcome o = hostOut;
                hostOut = null;
                core.outlet = run;
                o.ran = inst.handled != handledBefore;
                for (String g : owned) if (core.store.get(g) != globalsBefore.get(g)) o.globals.put(g, core.store.get(g));
                for (int k = 0; k < stateBefore.length; k++) {
                    Object v = Hot.plain(inst.state[k]);
                    if (v != stateBefore[k]) o.state.put(k, v);
                }
                o.stats.putAll(core.stats.since(before));
                outcomes.put(d.seq(), o);
            }
        }
        return Hot.encodeOutcomes(outcomes);
    }

    /** What a call run in the host produces goes into its outcome. */
    private final Outlet hostOutlet = new Outlet() {
        @Override
        public void reply(Msg m, Object value) {
            hostOut.reply = value;
        }

        @Override
        public void recorded(Core.RunError error, boolean declared) {
            hostOut.errors.add(new Hot.Recorded(error, declared));
        }

        @Override
        public String start(int workflow, Object args, Object id) {
            // a hot endpoint's start happens in the run (a storable module names what it starts)
            hostOut.starts.add(new Hot.Start(workflow, args, id));
            return Values.str(id);
        }
    };
}
