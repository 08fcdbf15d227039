package dev.baton.runtime.internal.exec;

import dev.baton.lang.Span;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Instr;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;

import java.util.Arrays;

/**
 * Load generators ({@code Load … [rate: …, population: …]}): simulated producers emitting
 * events at a rate of engine time.
 *
 * <h2>Design</h2>
 * Each load is a task that runs every millisecond (or less often at low rates), emits the
 * events its rate owes since the last run (a fractional carry keeps the rate exact) by running
 * its body once per event in one reused fiber, and schedules itself again — until its duration,
 * its total or its {@code until} ends it. Its counters are in a snapshot, so a restored run
 * goes on generating the same events.
 *
 * <p>Owns: per-load emitted counts, carries and end flags. Must not deliver events itself ({@link Events}).
 */
final class Loads {
    private final Core core;
    final long[] emitted;
    final double[] carry;
    final boolean[] done;
    private final Fiber[] fibers;

    Loads(Core core, Plan plan) {
        this.core = core;
        emitted = new long[plan.loads.size()];
        carry = new double[plan.loads.size()];
        done = new boolean[plan.loads.size()];
        fibers = new Fiber[plan.loads.size()];
        actorCache = new Long[plan.loads.size()][];
    }

    /** Load {@code i}'s turn: emits what it owes and schedules its next. */
    void run(int i) {
        Plan.LoadPlan l = core.plan.loads.get(i);
        if (done[i]) return;
        long now = core.timeline.now;
        long end = l.duration() == null ? Long.MAX_VALUE : l.start().toMillis() + l.duration().toMillis();
        if (now >= end || l.total() >= 0 && emitted[i] >= l.total() || l.until() != null && untilHolds(i, l)) {
            done[i] = true;
            return;
        }
        long stepMs = l.rate() >= 1000 ? 1 : Math.max(1, (long) Math.ceil(1000 / l.rate()));
        carry[i] += l.rate() * stepMs / 1000.0;
        long n = (long) carry[i];
        carry[i] -= n;
        if (l.total() >= 0) n = Math.min(n, l.total() - emitted[i]);
        Fiber f = fiber(i, l);
        int actorSlot = l.actorSlot();
        int seqSlot = l.seqSlot();
        Long[] actors = actors(i, l);
        for (long k = 0; k < n; k++) {
            long seq = emitted[i]++;
            Arrays.fill(f.locals, null);
            if (actorSlot >= 0) {
                long actor = seq % l.population();
                f.locals[actorSlot] = actors == null ? (Object) actor : actor(actors, (int) actor);
            }
            if (seqSlot >= 0) f.locals[seqSlot] = seq;
            f.pc = 0;
            runBody(f, l);
        }
        core.placement.loaded(core, n);
        if (l.total() >= 0 && emitted[i] >= l.total()) {
            done[i] = true;
            return;
        }
        core.schedule(now + stepMs, Task.LOAD, i, 0, 0, null);
    }

    /** Most actors a load keeps its actor numbers boxed for (one Long per actor, made once, not per event). */
    private static final long MAX_CACHED_ACTORS = 1 << 20;
    private final Long[][] actorCache;

    private Long[] actors(int i, Plan.LoadPlan l) {
        if (l.population() > MAX_CACHED_ACTORS) return null;
        if (actorCache[i] == null) actorCache[i] = new Long[(int) l.population()];
        return actorCache[i];
    }

    private static Long actor(Long[] actors, int a) {
        Long boxed = actors[a];
        if (boxed == null) actors[a] = boxed = (long) a;
        return boxed;
    }

    private Fiber fiber(int i, Plan.LoadPlan l) {
        Fiber f = fibers[i];
        if (f == null) {
            f = new Fiber(0, l.body(), Fiber.Owner.LOAD, -1, null);
            f.ctx = core;
            fibers[i] = f;
        }
        return f;
    }

    private boolean untilHolds(int i, Plan.LoadPlan l) {
        Fiber f = fiber(i, l);
        try {
            return Values.truthy(l.until().eval(f));
        } catch (RuntimeException e) {
            core.fibers.recordError(f, l.body().code.length > 0 ? l.body().code[0].span : Span.NONE, "Load " + l.name() + " (until)", e);
            return true;
        }
    }

    private void runBody(Fiber f, Plan.LoadPlan l) {
        Instr[] code = l.body().code;
        int pc = 0;
        long steps = 0;
        try {
            while (pc >= 0 && pc < code.length) {
                if (++steps > Core.MAX_STEPS) throw new ValueError("ran " + String.format(java.util.Locale.ROOT, "%,d", Core.MAX_STEPS)
                        + " steps for one run of the load (a loop that does not end?)");
                pc = code[pc].exec(f, pc);
            }
        } catch (RuntimeException e) {
            core.fibers.recordError(f, code[Math.max(0, Math.min(pc, code.length - 1))].span, "Load " + l.name(), e);
        }
    }

    /** True when every load generator has finished. */
    boolean allDone() {
        for (boolean d : done) if (!d) return false;
        return true;
    }
}
