package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The module instances: their state slots, mailboxes and handler runs.
 *
 * <h2>Design</h2>
 * Instances are numbered once, module by module ({@link #first}); a module whose keys are
 * 0 … n-1 finds an instance by arithmetic, others through a map made at start. An instance runs
 * one handler at a time: a message that reaches a busy (or suspended) instance waits in its
 * mailbox, and the mailbox is drained iteratively when the handler ends ({@link #drain}), so no
 * chain of messages deepens the stack. A handler runs as a fiber of {@link Fibers}; a call's
 * de-duplication is {@link Calls}'; a failed handler's rollback is {@link Fibers#rollback}.
 *
 * <p>Owns: {@link Inst}s, key lookup, ticks, delivery to an instance. Must not send or retry
 * calls, or know the network (an event's path there is {@link Events}').
 */
final class Instances {
    private static final Lifecycle.Step STARTS = Lifecycle.INSTANCE.step("IDLE", "RUNNING");
    private static final Lifecycle.Step ENDS = Lifecycle.INSTANCE.step("RUNNING", "IDLE");

    private final Core core;
    final Inst[] all;
    /** The first instance of each module (and, at the end, the count of all): module m's are first[m] … first[m+1]-1. */
    final int[] first;
    private final Map<Object, Integer>[] keyIndex;
    /** Per module: its keys are 0, 1, … n-1 in order ({@code [instances: n]}), so a key is its instance's offset — no map lookup. */
    private final boolean[] denseKeys;
    /**
     * With the real clock: the engine time the wall clock has reached. A tick that comes a whole
     * period or more late (handlers slower than the wall clock) is then a missed tick, and its
     * policy applies — {@code coalesce} runs it once for all it missed, {@code skip} drops it,
     * {@code catch_up} runs every one. Null on the fast clock and in simulation (no tick is late).
     */
    java.util.function.LongSupplier wallClock;
    /** Told of each handler run (observation only). */
    Core.HandlerTimer handlerTimer;

    @SuppressWarnings("unchecked")
    Instances(Core core, Plan plan) {
        this.core = core;
        int total = 0;
        first = new int[plan.modules.size() + 1];
        keyIndex = new Map[plan.modules.size()];
        for (Plan.ModulePlan m : plan.modules) {
            first[m.index] = total;
            total += m.keys.size();
        }
        first[plan.modules.size()] = total;
        all = new Inst[total];
        denseKeys = new boolean[plan.modules.size()];
        for (Plan.ModulePlan m : plan.modules) {
            keyIndex[m.index] = new HashMap<>();
            boolean dense = true;
            for (int k = 0; k < m.keys.size(); k++) {
                int idx = first[m.index] + k;
                Object key = m.keys.get(k);
                all[idx] = new Inst(idx, m.index, key, m.name + "[" + Values.str(key) + "]");
                keyIndex[m.index].put(normalizeKey(key), idx);
                dense &= key instanceof Long l && l == k;
            }
            denseKeys[m.index] = dense;
        }
    }

    /** The index of the module's instance with {@code key}, or -1. */
    int indexOf(int module, Object key) {
        if (denseKeys[module] && key instanceof Long l) {
            return l >= 0 && l < first[module + 1] - first[module] ? first[module] + (int) (long) l : -1;
        }
        Integer idx = keyIndex[module].get(normalizeKey(key));
        return idx == null ? -1 : idx;
    }

    /** The instance a call goes to: the module's only one for None, else the one with that key. */
    int instanceOf(int module, Object key) {
        if (key == None.NONE) return first[module];
        int idx = indexOf(module, key);
        if (idx < 0) {
            Plan.ModulePlan m = core.plan.modules.get(module);
            throw new ValueError(Values.show(key) + " is not an instance of " + m.name + " (keys: " + describeKeys(m) + ")");
        }
        return idx;
    }

    static Object normalizeKey(Object key) {
        if (key instanceof Double d && d == Math.rint(d)) return d.longValue();
        return key;
    }

    static String describeKeys(Plan.ModulePlan m) {
        if (m.keys.size() > 6) return Values.str(m.keys.get(0)) + " … " + Values.str(m.keys.get(m.keys.size() - 1));
        return Values.str(org.pcollections.TreePVector.from(m.keys));
    }

    /** Gives an instance's state its initial values (in declaration order: the same random draws every time). */
    void initState(Inst inst) {
        Plan.ModulePlan m = core.plan.modules.get(inst.module);
        inst.state = new Object[m.stateNames.size()];
        Fiber f = new Fiber(0, new dev.baton.runtime.plan.Body(-1, "init", core.plan.file), Fiber.Owner.INSTANCE, inst.index, null);
        f.ctx = core;
        for (int i = 0; i < m.stateInits.size(); i++) inst.state[i] = m.stateInits.get(i).eval(f);
    }

    void tick(Inst inst, int tick) {
        if (!core.placement.here(inst.index)) return; // it ticks in its own partition
        Plan.Tick t = core.plan.modules.get(inst.module).ticks.get(tick);
        long period = Timeline.periodMs(t.period());
        Timeline tl = core.timeline;
        Stats stats = core.stats;
        long late = wallClock == null || t.missed() == Plan.Missed.CATCH_UP ? 0 : (wallClock.getAsLong() - tl.now) / period;
        if (late > 0) {
            // behind the wall clock by `late` periods: the next tick is the first one not yet past
            core.schedule(tl.now + period * (late + 1), Task.TICK, inst.index, 0, tick, null);
            if (inst.crashed) return;
            stats.ticks += late + 1;
            stats.ticksSkipped += t.missed() == Plan.Missed.SKIP ? late + 1 : late;
            if (t.missed() == Plan.Missed.SKIP) return;
        } else {
            core.schedule(tl.now + period, Task.TICK, inst.index, 0, tick, null);
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
        if (!core.placement.here(inst.index)) {
            // its partition has it (events reach every partition; each keeps its own instances')
            if (m.kind() == Msg.CALL) core.outlet.reply(m, new dev.baton.runtime.plan.CallFailure(inst.name + " lives in another partition of the run"));
            return;
        }
        if (inst.crashed) {
            if (m.kind() == Msg.EVENT) {
                // events are durable: held for the instance, delivered when it is back
                core.stats.eventsHeldWhileDown++;
                inst.mailbox.add(m);
            } else {
                core.stats.messagesDropped++; // a call is lost (its caller times out and retries); a tick is simply missed
            }
            return;
        }
        if (inst.current != null) {
            inst.mailbox.add(m);
            if (m.kind() == Msg.CALL) core.deadlocks.callQueued(m);
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
    void drain(Inst inst) {
        if (inst.draining) return;
        inst.draining = true;
        try {
            while (inst.current == null && !inst.crashed && !inst.mailbox.isEmpty()) run(inst, inst.mailbox.poll());
        } finally {
            inst.draining = false;
        }
    }

    /** What an instance's {@code currentMsg} is while it runs an event delivered inline to a handler that cannot wait (no message was made). */
    private static final Msg INLINE_EVENT = Msg.event(-1, null);

    /**
     * Event {@code event} with {@code payload} reaching {@code inst} (in this core) as it is emitted:
     * an idle instance whose handler cannot wait runs it now without a message; any other case
     * goes through {@link #deliver} with one.
     */
    void deliverEvent(Inst inst, int event, Object payload) {
        if (inst.crashed || inst.current != null || core.plan.modules.get(inst.module).handler(event).body().mayWait()) {
            deliver(inst, core.events.message(event, payload));
            return;
        }
        run(inst, null, Msg.EVENT, event, payload);
        drain(inst);
    }

    private void run(Inst inst, Msg m) {
        run(inst, m, m.kind(), m.handler(), m.payload());
    }

    /** Runs message {@code m} — or, when {@code m} is null, an event delivered inline (see {@link #deliverEvent}) — on {@code inst}. */
    private void run(Inst inst, Msg m, int kind, int handler, Object message) {
        Plan.ModulePlan mod = core.plan.modules.get(inst.module);
        dev.baton.runtime.plan.Body body;
        Object payload = None.NONE;
        if (kind == Msg.EVENT) {
            body = mod.handler(handler).body();
            payload = message;
        } else if (kind == Msg.TICK) {
            body = mod.ticks.get(handler).body();
            inst.ticksQueued[handler] = Math.max(0, inst.ticksQueued[handler] - 1);
        } else {
            if (!core.calls.admit(inst, m)) return;
            body = mod.endpoints.get(handler).body();
            payload = message;
        }
        long id = ++core.timeline.fiberSeq;
        Fiber f;
        if (kind != Msg.CALL && !body.mayWait()) {
            // a handler that never waits runs to its end now: in the fiber the instance keeps for it
            f = reusable(inst, kind == Msg.EVENT ? handler : core.plan.events.size() + handler, body);
            f.reuse(payload);
        } else {
            f = new Fiber(id, body, Fiber.Owner.INSTANCE, inst.index, null);
            f.ctx = core;
            f.payload = payload;
        }
        if (kind == Msg.CALL) {
            Plan.Endpoint e = mod.endpoints.get(handler);
            bindParams(f, e.params(), e.paramSlots(), e.defaults(), payload);
        }
        inst.current = f;
        inst.currentMsg = m != null ? m : INLINE_EVENT;
        inst.callSeqAtStart = inst.callSeq;
        inst.lifecycle = STARTS.apply(inst.lifecycle);
        inst.handled++;
        core.stats.handlerRuns++;
        if (kind == Msg.CALL) core.calls.callMsgs.put(f.id, m);
        if (handlerTimer == null) {
            core.fibers.exec(f, 0);
        } else {
            long started = handlerTimer.started();
            core.fibers.exec(f, 0);
            handlerTimer.ran(kind == Msg.EVENT ? 0 : kind == Msg.TICK ? 1 : 2, inst.index, handler, core.timeline.now, started);
        }
    }

    /**
     * The fiber instance {@code inst} runs handler {@code slot} (event index, or events + tick index)
     * in when its body never waits: nothing refers to it between runs, and nothing of a run depends
     * on its identity (a handler that never waits makes no call, so no reply needs its id).
     */
    private Fiber reusable(Inst inst, int slot, dev.baton.runtime.plan.Body body) {
        if (inst.reusable == null) inst.reusable = new Fiber[core.plan.events.size() + core.plan.modules.get(inst.module).ticks.size()];
        Fiber f = inst.reusable[slot];
        if (f == null) {
            f = new Fiber(0, body, Fiber.Owner.INSTANCE, inst.index, null);
            f.ctx = core;
            inst.reusable[slot] = f;
        }
        return f;
    }

    /** Sets a fiber's parameters from a map of arguments, defaults where one is missing (an endpoint's, a workflow's). */
    static void bindParams(Fiber f, List<String> params, int[] slots, List<dev.baton.runtime.plan.Ev> defaults, Object args) {
        PSortedMap<String, Object> a = args instanceof PSortedMap<?, ?> pm ? Values.map(pm) : Values.EMPTY_MAP;
        for (int i = 0; i < slots.length; i++) {
            Object v = a.get(params.get(i));
            if (v == null && defaults.get(i) != null) v = defaults.get(i).eval(f);
            f.locals[slots[i]] = v == null ? None.NONE : v;
        }
    }

    /** The handler running on {@code inst} ended (completed or failed): the instance takes its next message. */
    void endHandler(Inst inst) {
        inst.current = null;
        inst.currentMsg = null;
        inst.lifecycle = ENDS.apply(inst.lifecycle);
        drain(inst);
    }
}
