package dev.baton.serve;

import dev.baton.runtime.plan.Plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each instance handled lately — the instance's journal as the console shows it: per
 * instance, its last {@value #KEPT} handler runs (engine time, event, tick or endpoint), newest
 * first. Written by the engine thread as handlers run (live and while a restart replays the
 * journal), read on the same thread; nothing here is durable or part of the run's state.
 */
final class InstanceLog {
    static final int KEPT = 32;
    private static final String[] KINDS = {"event", "tick", "call"};
    private final Plan plan;
    private final int[] moduleOf;
    /** Per instance (allocated when it first runs): [time, kind << 32 | handler] pairs, a ring. */
    private final long[][] rings;
    private final long[] counts;

    InstanceLog(Plan plan) {
        this.plan = plan;
        int n = 0;
        for (Plan.ModulePlan m : plan.modules) n += m.keys.size();
        moduleOf = new int[n];
        int i = 0;
        for (Plan.ModulePlan m : plan.modules) for (int k = 0; k < m.keys.size(); k++) moduleOf[i++] = m.index;
        rings = new long[n][];
        counts = new long[n];
    }

    void ran(int kind, int instance, int handler, long at) {
        if (instance < 0 || instance >= rings.length) return;
        long[] r = rings[instance];
        if (r == null) r = rings[instance] = new long[KEPT * 2];
        int slot = (int) (counts[instance]++ % KEPT) * 2;
        r[slot] = at;
        r[slot + 1] = (long) kind << 32 | handler;
    }

    /** The instance's last handler runs, newest first: {@code {at_ms, kind, name}}. */
    List<Map<String, Object>> recent(int instance) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (instance < 0 || instance >= rings.length || rings[instance] == null) return out;
        long[] r = rings[instance];
        long n = counts[instance];
        Plan.ModulePlan m = plan.modules.get(moduleOf[instance]);
        for (long k = n - 1; k >= Math.max(0, n - KEPT); k--) {
            int slot = (int) (k % KEPT) * 2;
            int kind = (int) (r[slot + 1] >>> 32);
            int handler = (int) r[slot + 1];
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("n", k + 1);
            e.put("at_ms", r[slot]);
            e.put("kind", KINDS[kind]);
            e.put("name", switch (kind) {
                case 0 -> plan.events.get(handler).name();
                case 1 -> "Tick every " + m.ticks.get(handler).period().toMillis() + " ms";
                default -> m.endpoints.get(handler).name();
            });
            out.add(e);
        }
        return out;
    }

    /** The index of the instance named {@code Module[key]}, or -1. */
    int indexOf(String name) {
        if (byName == null) {
            byName = new java.util.HashMap<>();
            int i = 0;
            for (Plan.ModulePlan m : plan.modules) for (int k = 0; k < m.keys.size(); k++) byName.put(dev.baton.runtime.Inspect.instanceName(m, k), i++);
        }
        return byName.getOrDefault(name, -1);
    }

    /** Instance indexes by display name, made when first asked (engine thread). */
    private Map<String, Integer> byName;
}
