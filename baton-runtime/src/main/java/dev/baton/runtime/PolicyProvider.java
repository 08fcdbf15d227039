package dev.baton.runtime;

import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;

import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * The embedded engine's default decision provider: deterministic policies that work offline.
 * {@code model} picks the policy; an unknown model answers with its input unchanged (so the
 * {@code expect} shape decides, and usually the {@code otherwise} fallback applies).
 */
public final class PolicyProvider implements DecisionProvider {
    @Override
    public Object decide(String provider, Map<String, Object> config, Object input, int attempt, DoubleSupplier random) {
        Object model = config.get("model");
        if ("boss-director".equals(model) && input instanceof PSortedMap<?, ?> m) return bossDirector(Values.map(m));
        if ("goal-splitter".equals(model) && input instanceof PSortedMap<?, ?> m) return goalSplitter(Values.map(m), random);
        if ("faction-planner".equals(model) && input instanceof PSortedMap<?, ?> m) return factionPlanner(Values.map(m), random);
        return input;
    }

    /**
     * Splits {@code {goal, depth}} into two to four sub-goals, or calls it primitive with an
     * effort of 1–10; deeper goals are more often primitive (always from depth 4). About one
     * answer in ten is over-eager (six sub-goals), so the program's guardrails have work to do.
     */
    static Object goalSplitter(PSortedMap<String, Object> in, DoubleSupplier random) {
        String goal = String.valueOf(in.get("goal"));
        long depth = in.get("depth") instanceof Long l ? l : 0;
        double roll = random.getAsDouble();
        if (depth >= 4 || roll < 0.15 + 0.2 * depth) {
            long effort = 1 + (long) (random.getAsDouble() * 10);
            return Values.EMPTY_MAP.plus("subgoals", org.pcollections.TreePVector.empty()).plus("primitive", true).plus("effort", effort);
        }
        int n = random.getAsDouble() < 0.1 ? 6 : 2 + (int) (random.getAsDouble() * 3);
        org.pcollections.PVector<Object> subs = org.pcollections.TreePVector.empty();
        for (int i = 1; i <= n; i++) subs = subs.plus(goal + "." + i);
        return Values.EMPTY_MAP.plus("subgoals", subs).plus("primitive", false).plus("effort", 1L);
    }

    /**
     * Plans a faction's goal {@code {goal, depth, walls}}: splits it into two or three sub-goals
     * ({@code goal/1}, {@code goal/2}…), or calls it primitive with an effort of 1–5. The first
     * sub-goal of every split is split again down to depth 4, so every plan is at least that
     * deep; below depth 4 most goals are primitive, from depth 6 all are. A goal planned again
     * around a wall ({@code …~around}) gets a scout and a climb. About one answer in twelve is
     * over-eager (six sub-goals), so the program's guardrails have work to do.
     */
    static Object factionPlanner(PSortedMap<String, Object> in, DoubleSupplier random) {
        String goal = String.valueOf(in.get("goal"));
        long depth = in.get("depth") instanceof Long l ? l : 0;
        double roll = random.getAsDouble();
        boolean first = depth == 0 || goal.endsWith("/1");
        if (depth >= 6 || depth >= 4 && roll < 0.6 || depth >= 2 && !first && roll < 0.25) {
            long effort = 1 + (long) (random.getAsDouble() * 5);
            return Values.EMPTY_MAP.plus("subgoals", org.pcollections.TreePVector.empty()).plus("primitive", true).plus("effort", effort);
        }
        org.pcollections.PVector<Object> subs = org.pcollections.TreePVector.empty();
        if (goal.endsWith("~around")) {
            subs = subs.plus(goal + "/scout").plus(goal + "/climb");
        } else {
            int n = random.getAsDouble() < 0.08 ? 6 : 2 + (int) (random.getAsDouble() * 2);
            for (int i = 1; i <= n; i++) subs = subs.plus(goal + "/" + i);
        }
        return Values.EMPTY_MAP.plus("subgoals", subs).plus("primitive", false).plus("effort", 1L);
    }

    /**
     * Keeps a world boss fight hard but winnable: when damage per second is high, heal a
     * little and slam; when it is low, soften the pattern; never propose an HP outside
     * (0, max_hp].
     */
    static Object bossDirector(PSortedMap<String, Object> in) {
        Object bossValue = in.get("boss");
        if (!(bossValue instanceof PSortedMap<?, ?> b)) return in;
        PSortedMap<String, Object> boss = Values.map(b);
        long hp = boss.get("hp") instanceof Long l ? l : 0;
        long max = boss.get("max_hp") instanceof Long l ? l : Math.max(hp, 1);
        double dps = in.get("damage_per_second") instanceof Number n ? n.doubleValue() : 0;
        String pattern = dps > max / 100.0 ? "enrage" : dps > max / 1000.0 ? "slam" : "sweep";
        long proposed = hp;
        if (dps > max / 50.0) proposed = Math.min(max, hp + (long) (dps * 0.05));
        return Values.EMPTY_MAP.plus("hp", Math.max(1, proposed)).plus("pattern", pattern);
    }
}
