package dev.baton.runtime.internal.exec;

import dev.baton.runtime.Json;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Instr;
import dev.baton.runtime.plan.LockFrame;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.plan.SagaFrame;
import dev.baton.runtime.plan.SagaLayout;
import dev.baton.runtime.value.StateMap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the core shows of itself to people and tools — an instance, a workflow, every wait —
 * read-only, as plain maps and rows ({@code baton history}, the live service's console).
 *
 * <p>Owns nothing; reads the parts. Must not change anything (a view of a live run must leave
 * it exactly as it was).
 */
final class Views {
    private Views() {
    }

    /** State of every instance of a module, by key. */
    static Map<Object, Map<String, Object>> moduleState(Core c, String module) {
        int m = c.plan.moduleIndex(module);
        Map<Object, Map<String, Object>> out = new LinkedHashMap<>();
        if (m < 0) return out;
        Plan.ModulePlan mp = c.plan.modules.get(m);
        Instances instances = c.instances;
        for (int i = instances.first[m]; i < instances.first[m + 1]; i++) {
            Map<String, Object> s = new LinkedHashMap<>();
            for (int k = 0; k < mp.stateNames.size(); k++) s.put(mp.stateNames.get(k), StateMap.plain(instances.all[i].state[k]));
            out.put(instances.all[i].key, s);
        }
        return out;
    }

    /** One instance: lifecycle, epoch, handled count, mailbox size, where it waits, its state. */
    static Map<String, Object> instance(Core c, Inst i) {
        Map<String, Object> out = new LinkedHashMap<>();
        Plan.ModulePlan m = c.plan.modules.get(i.module);
        Map<String, Object> state = new LinkedHashMap<>();
        for (int k = 0; k < m.stateNames.size(); k++) state.put("$" + m.stateNames.get(k), Json.toPlain(i.state[k]));
        out.put("lifecycle", i.lifecycle);
        out.put("epoch", i.epoch);
        out.put("handled", i.handled);
        out.put("mailbox", i.mailbox.size());
        if (i.current != null) out.put("waiting_at", c.fibers.position(i.current));
        out.put("state", state);
        return out;
    }

    /** One workflow: status, where it waits, parameters, outcome, sagas, locks, children. */
    static Map<String, Object> workflow(Core c, Wf w) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("workflow", c.plan.workflows.get(w.workflow).name());
        out.put("status", w.status);
        out.put("started_at_ms", w.startedAt);
        if (w.fiber != null && w.fiber.pc >= 0) {
            out.put("waiting_at", c.fibers.position(w.fiber));
            Map<String, Object> locals = new LinkedHashMap<>();
            Plan.WorkflowPlan wp = c.plan.workflows.get(w.workflow);
            for (int k = 0; k < wp.params().size(); k++) locals.put(wp.params().get(k), Json.toPlain(w.fiber.locals[wp.paramSlots()[k]]));
            out.put("parameters", locals);
        }
        if (w.result != null) out.put("result", Json.toPlain(w.result));
        if (w.error != null) out.put("error", w.error);
        if (w.fiber != null) {
            List<Map<String, Object>> sagas = new ArrayList<>();
            List<String> locks = new ArrayList<>();
            for (Object fr : w.fiber.frames) {
                if (fr instanceof SagaFrame sf) {
                    Map<String, Object> saga = new LinkedHashMap<>();
                    Instr begin = w.fiber.body.code[sf.beginPc];
                    if (begin instanceof SagaLayout layout) {
                        saga.put("step", layout.stepName(sf.current));
                        List<String> done = new ArrayList<>();
                        for (int st : sf.completed) done.add(layout.stepName(st));
                        saga.put("completed", done);
                    }
                    saga.put("compensating", sf.compensating);
                    saga.put("pivot_passed", sf.pivotPassed);
                    if (sf.failure != null) saga.put("failure", sf.failure);
                    sagas.add(saga);
                } else if (fr instanceof LockFrame lf) {
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

    /** Every wait of the run, oldest first (then by fiber): who waits, on what, since when, where. */
    static List<Core.WaitRow> waits(Core c) {
        List<Waits.Wait> all = new ArrayList<>(c.waits.all());
        all.sort(Comparator.comparingLong((Waits.Wait w) -> w.since).thenComparingLong(w -> w.fiber.id));
        List<Core.WaitRow> out = new ArrayList<>(all.size() + 1);
        for (Waits.Wait w : all) {
            Fiber f = w.fiber;
            out.add(new Core.WaitRow(waiter(c, f), w.kind.name().toLowerCase(java.util.Locale.ROOT), on(c, w), w.since,
                    f.pc < 0 ? null : c.fibers.position(f)));
        }
        if (c.hot.waiting != null) {
            out.add(new Core.WaitRow("run", "hot_batch", "the outcomes of a batch of calls to hot modules", c.timeline.now, null));
        }
        return out;
    }

    /** Who a waiting fiber is: {@code Module[key]}, {@code workflow id}, or {@code workflow id branch n}. */
    static String waiter(Core c, Fiber f) {
        if (f.owner == Fiber.Owner.INSTANCE) return c.instances.all[f.instance].name;
        return "workflow " + f.workflow + (f.branch >= 0 ? " branch " + (f.branch + 1) : "");
    }

    /** What a wait is on, for people. */
    private static String on(Core c, Waits.Wait w) {
        Fiber f = w.fiber;
        switch (w.kind) {
            case REPLY -> {
                Calls.Pending p = c.calls.pending.get(f.id);
                if (p == null) return "a reply";
                Inst target = c.instances.all[p.target()];
                return target.name + "." + c.plan.modules.get(target.module).endpoints.get(p.msg().handler()).name();
            }
            case LOCK -> {
                Locks.LockRequest r = c.locks.queued(f.id);
                return r == null ? "a lock" : String.join(", ", r.keys());
            }
            case JOIN -> {
                Joins.JoinState js = c.joins.open.get(f.id);
                if (js == null) {
                    String name = c.joins.observed(f.id, f.waitToken);
                    if (name == null) return "its branches";
                    Joins.Shared sh = c.joins.shared.get(name);
                    return "the fork shared as '" + name + "'" + (sh.parent == 0 ? " (not started yet)" : "");
                }
                int running = 0;
                for (int s : js.state) if (s == 0) running++;
                return running + " of " + js.branches.length + " branches (needs " + js.need + ")";
            }
            case CHILD -> {
                for (Wf child : c.workflows.all.values()) if (child.parentFiber == f.id && child.parentToken == f.waitToken) return child.id;
                return "a child workflow";
            }
            default -> {
                return f.pc >= 0 && f.pc < f.body.code.length ? f.body.code[f.pc].describe() : "its first turn";
            }
        }
    }
}
