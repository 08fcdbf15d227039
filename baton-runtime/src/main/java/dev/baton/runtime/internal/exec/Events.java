package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;

import java.util.ArrayList;
import java.util.List;

/**
 * Events: from an {@code Emit} (or a load, or the inbox) to the handlers of every module that
 * has one, to the workflows awaiting it, and to the bus.
 *
 * <h2>Design</h2>
 * The handlers of each event are listed once, at start, in module order ({@link #subscribers});
 * a routed handler's {@code route} is evaluated in a fiber kept for it, so an emission allocates
 * only its message. This is the hot path of every game scenario: a load's events are delivered
 * inline (a load never runs inside a handler), while anything a handler or workflow emits goes
 * through the timeline, so no chain of handlers can deepen the stack. When faults can touch a
 * delivery, {@link Network#eventArrival} says when it arrives.
 *
 * <p>Owns: subscriptions, emission counts, publishing to the bus. Must not run handlers itself
 * ({@link Instances#deliver}).
 */
final class Events {
    /** A module's handler of an event, with the fiber its route expression is evaluated in. */
    private record Sub(Plan.ModulePlan module, Plan.On on, Fiber routeFiber) {
    }

    private final Core core;
    /** Handlers of each event, by event index, in module order. */
    private final Sub[][] subscribers;
    /** How many times each event was emitted, by event index. */
    final long[] counts;
    /** Nonzero while a task other than a load is being processed: deliveries then go through the timeline. */
    int delivering;
    /** Where emitted events go beyond the engine (not part of a snapshot). */
    dev.baton.runtime.EventBus bus = dev.baton.runtime.EventBus.NONE;
    /** Whether a load's and the inbox's events are published too (see {@link Core#setPublishInputs}). */
    boolean publishInputs = true;

    Events(Core core, Plan plan) {
        this.core = core;
        subscribers = new Sub[plan.events.size()][];
        for (int e = 0; e < plan.events.size(); e++) {
            List<Sub> subs = new ArrayList<>();
            for (Plan.ModulePlan m : plan.modules) {
                Plan.On on = m.handlers.get(e);
                if (on == null) continue;
                Fiber rf = null;
                if (on.route() != null) {
                    rf = new Fiber(0, on.body(), Fiber.Owner.LOAD, -1, null);
                    rf.ctx = core;
                }
                subs.add(new Sub(m, on, rf));
            }
            subscribers[e] = subs.toArray(new Sub[0]);
        }
        counts = new long[plan.events.size()];
    }

    /** Event {@code event} emitted by {@code f} (null: from outside) with {@code payload}. */
    void emit(Fiber f, int event, Object payload) {
        Stats stats = core.stats;
        // in a partition other than the first, a load's events are the first partition's to count and publish
        boolean counted = core.placement.counts(f);
        if (counted) {
            stats.eventsEmitted++;
            counts[event]++;
        }
        if (counted && (core.faults.any() || stats.eventsEmitted % 64 == 0)) core.timeline.mix(Values.stableHash(payload) ^ event);
        Instances instances = core.instances;
        for (Sub sub : subscribers[event]) {
            Plan.ModulePlan m = sub.module;
            if (sub.routeFiber != null) {
                sub.routeFiber.payload = payload;
                Object key = sub.on.route().eval(sub.routeFiber);
                int idx = instances.indexOf(m.index, key);
                if (idx < 0) {
                    throw new ValueError("route " + Values.show(key) + " names no instance of " + m.name + " (keys: "
                            + Instances.describeKeys(m) + ")");
                }
                deliver(instances.all[idx], event, payload);
            } else {
                for (int i = instances.first[m.index]; i < instances.first[m.index + 1]; i++) deliver(instances.all[i], event, payload);
            }
        }
        core.workflows.emitted(event, payload);
        if (counted && bus != dev.baton.runtime.EventBus.NONE && (publishInputs || f != null && f.owner != Fiber.Owner.LOAD)) {
            bus.publish(core.timeline.now, core.placement.publishedNumber(stats.eventsEmitted), core.plan.events.get(event).name(), payload);
        }
    }

    private void deliver(Inst inst, int event, Object payload) {
        if (!core.placement.here(inst.index)) return;
        long at = core.network.eventArrival(inst);
        if (at > core.timeline.now) {
            core.schedule(at, Task.DELIVER, inst.index, 0, 0, message(event, payload));
            return;
        }
        if (delivering > 0) {
            core.schedule(core.timeline.now, Task.DELIVER, inst.index, 0, 0, message(event, payload));
            return;
        }
        delivering++;
        try {
            core.instances.deliverEvent(inst, event, payload);
        } finally {
            delivering--;
        }
    }

    /** The last message made for an emission (immutable: every handler of one emission shares it). */
    private Msg last;

    /** The message of event {@code event} with {@code payload}, made once per emission and only when one is needed. */
    Msg message(int event, Object payload) {
        Msg m = last;
        if (m == null || m.handler() != event || m.payload() != payload) last = m = Msg.event(event, payload);
        return m;
    }

    /** How many times each event was emitted, by name (events never emitted are left out). */
    java.util.Map<String, Long> byName() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        for (int i = 0; i < counts.length; i++) if (counts[i] > 0) out.put(core.plan.events.get(i).name(), counts[i]);
        return out;
    }
}
