package dev.baton.bench;

import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.EventBus;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The README's main job, timed: examples/world-boss.baton at its defaults (100,000 players,
 * 50 shards, 100 ms ticks) on the embedded engine with a data directory. Reports the whole
 * run's wall time, attack events per wall second until the defeat, and the wall time from
 * the defeat to the last reward batch (stamped by an EventBus subscriber).
 */
public final class WorldBossBench {
    private WorldBossBench() {
    }

    public static void main(String[] args) throws Exception {
        CheckResult checked = Baton.check("world-boss.baton", Files.readString(Path.of("examples/world-boss.baton")));
        Plan plan = Compiler.compile(checked, Map.of());
        long[] stamps = new long[2];
        long[] attacksAtDefeat = new long[1];
        long t0 = System.nanoTime();
        EventBus bus = (time, event, payload) -> {
            if (event.equals("Boss.Defeated")) stamps[0] = System.nanoTime();
            if (event.equals("Rewards.Granted")) stamps[1] = System.nanoTime();
        };
        Path dir = Files.createTempDirectory("world-boss-bench");
        EmbeddedEngine engine = new EmbeddedEngine(plan, EngineOptions.defaults().withDataDir(dir).withBus(bus));
        long alloc0 = allocated();
        RunReport r = engine.run();
        long allocRun = allocated() - alloc0;
        double total = (System.nanoTime() - t0) / 1e9;
        long attacks = ((Number) r.report().get("attack_events")).longValue();
        double toDefeat = (stamps[0] - t0) / 1e9;
        System.out.printf("world boss, defaults (%s)%n%n", Bench.machine());
        System.out.printf("whole run: %.1f s wall (target < 60 s), %s of engine time%n", total, r.engineTimeMs() / 1000.0 + " s");
        System.out.printf("attacks: %,d in %.1f s wall until the defeat = %,.0f attack events/s (target >= 1,000,000)%n", attacks, toDefeat, attacks / toDefeat);
        System.out.printf("defeat -> last of %,d rewards: %.2f s wall (target <= 5 s)%n",
                ((Map<?, ?>) r.report().get("rewards")).get("granted"), (stamps[1] - stamps[0]) / 1e9);
        System.out.printf("invariants: %s%n", r.report().get("invariants"));
        // the baseline, in the same run: the shards' attack handler written by hand in Java
        baseline(2_000_000);
        long b0 = System.nanoTime();
        long allocBase0 = allocated();
        long check = baseline(attacks);
        long allocBase = allocated() - allocBase0;
        double baseRate = attacks / ((System.nanoTime() - b0) / 1e9);
        System.out.printf("baseline: the same %,d attacks through a hand-written Java loop (payload maps, 50 shard buffers and counters,"
                + " a HashMap of contributions per shard): %,.0f attack events/s; the engine until the defeat at %.0f%% of it%s%n",
                attacks, baseRate, 100 * (attacks / toDefeat) / baseRate, check == 42 ? " " : "");
        // what this machine's noise cannot move: bytes allocated per attack (the whole run's, on the engine thread)
        System.out.printf("allocated per attack event: whole run %.0f bytes, baseline %.0f bytes%n", allocRun / (double) attacks,
                allocBase / (double) attacks);
        if (attacksAtDefeat[0] < 0) System.out.print("");
    }

    /** Bytes this thread has allocated so far. */
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /**
     * What the shards do per attack, without the engine: the payload map the load builds (as
     * {@link EngineBench#baseline} does), routing by shard, the buffer, the counters and one
     * player's entry of the shard's contributions.
     */
    static long baseline(long attacks) {
        int shards = 50;
        long[] buffer = new long[shards];
        long[] dealt = new long[shards];
        long[] count = new long[shards];
        @SuppressWarnings("unchecked")
        java.util.HashMap<String, Long>[] contributions = new java.util.HashMap[shards];
        for (int s = 0; s < shards; s++) contributions[s] = new java.util.HashMap<>();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (long seq = 0; seq < attacks; seq++) {
            long actor = seq % 100_000;
            org.pcollections.PSortedMap<String, Object> payload = org.pcollections.TreePMap.<String, Object>empty()
                    .plus("player_id", "p" + actor).plus("shard", actor % shards).plus("damage_amount", 50L + rnd.nextInt(101));
            int shard = (int) (long) (Long) payload.get("shard");
            long damage = (Long) payload.get("damage_amount");
            buffer[shard] += damage;
            dealt[shard] += damage;
            count[shard]++;
            contributions[shard].merge((String) payload.get("player_id"), damage, Long::sum);
        }
        long sum = 0;
        for (int s = 0; s < shards; s++) sum += buffer[s] + dealt[s] + count[s] + contributions[s].size();
        return sum;
    }
}
