package dev.baton.bench;

import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.plan.Plan;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

import java.util.SplittableRandom;

/**
 * ON-handler throughput: the seed's Boss-Sync program (shards buffering
 * {@code $local_damage_buffer += {damage_amount}}, a 100 ms tick pushing deltas to the
 * authority) across 50 shard instances, driven by a load generator.
 *
 * <p>Baseline, in the same run: a hand-written Java loop doing the same per-event work with
 * the same data — build the payload map, pick the shard, add the damage — without an engine.
 * The ratio is the engine's cost over that minimum.
 */
public final class EngineBench {
    static final String PROGRAM = """
            Event Player.AttackBoss { player_id: String, shard: Int [0..49], damage_amount: Int [0..1000] }

            $global_boss_state = { "hp": 1000000000000, "status": "alive", "version": 0 }

            Module ShardBossController [instances: 50] {
                $local_damage_buffer = 0

                ON (Player.AttackBoss) [route: {shard}] {
                    $local_damage_buffer += {damage_amount}
                }

                Tick [100ms] {
                    if $local_damage_buffer > 0 {
                        Call GlobalAuthority.ApplyDamage { delta: $local_damage_buffer, shard_id: $my_id }
                        $local_damage_buffer = 0
                    }
                    Call GlobalAuthority.GetState -> $local_boss_view
                }
            }

            Module GlobalAuthority {
                ApplyDamage /execute {
                    $global_boss_state.hp -= {delta} min 0
                    $global_boss_state.version += 1
                }

                GetState /return {
                    return $global_boss_state
                }
            }

            Load Attacks [population: 100_000, rate: 1_000_000, total: %d] {
                Emit Player.AttackBoss { player_id: "p" + str(actor), shard: actor %% 50, damage_amount: random_int(50, 150) }
            }
            """;

    private EngineBench() {
    }

    public static void main(String[] args) throws Exception {
        long events = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Plan plan = Bench.plan("seed-boss-sync-50.baton", PROGRAM.formatted(events));
        Plan warm = Bench.plan("warmup.baton", PROGRAM.formatted(2_000_000));
        System.out.printf("ON-handler throughput: the seed's buffering handler on 50 shards, %,d events per round, %d rounds (%s)%n%n",
                events, rounds, Bench.machine());
        new EmbeddedEngine(warm, EngineOptions.defaults()).run();
        baseline(2_000_000);
        double bestEngine = 0;
        double bestBase = 0;
        for (int r = 1; r <= rounds; r++) {
            long a0 = allocated();
            long t0 = System.nanoTime();
            RunReport report = new EmbeddedEngine(plan, EngineOptions.defaults()).run();
            double engineSec = (System.nanoTime() - t0) / 1e9;
            long a1 = allocated();
            long t1 = System.nanoTime();
            long sum = baseline(events);
            double baseSec = (System.nanoTime() - t1) / 1e9;
            long a2 = allocated();
            engineBytes = (a1 - a0) / (double) events;
            baseBytes = (a2 - a1) / (double) events;
            double engineRate = events / engineSec;
            double baseRate = events / baseSec;
            bestEngine = Math.max(bestEngine, engineRate);
            bestBase = Math.max(bestBase, baseRate);
            System.out.printf("round %d: engine %,12.0f events/s (%.2fs, %s handler runs, %s ticks)   baseline %,12.0f events/s   ratio %.2fx%n",
                    r, engineRate, engineSec, report.counters().get("handler_runs"), report.counters().get("ticks"), baseRate,
                    baseRate / engineRate);
            if (sum == 42) System.out.print("");
        }
        System.out.printf("%nbest: engine %,.0f events/s, baseline %,.0f events/s (engine at %.0f%% of the hand-written loop); target >= 1,000,000%n",
                bestEngine, bestBase, 100 * bestEngine / bestBase);
        // allocation is what this machine's noise cannot move: the last round's bytes per event, engine and baseline
        System.out.printf("allocated per event (last round, this thread): engine %.0f bytes, baseline %.0f bytes%n", engineBytes, baseBytes);
    }

    private static double engineBytes;
    private static double baseBytes;

    /** Bytes this thread has allocated so far. */
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** The same events, the same payload maps, no engine: what a hand-written Java shard loop costs. */
    static long baseline(long events) {
        long[] buffers = new long[50];
        SplittableRandom rnd = new SplittableRandom(1);
        for (long seq = 0; seq < events; seq++) {
            long actor = seq % 100_000;
            PSortedMap<String, Object> payload = TreePMap.<String, Object>empty()
                    .plus("player_id", "p" + actor).plus("shard", actor % 50).plus("damage_amount", 50L + rnd.nextInt(101));
            int shard = (int) (long) (Long) payload.get("shard");
            buffers[shard] += (Long) payload.get("damage_amount");
        }
        long s = 0;
        for (long b : buffers) s += b;
        return s;
    }
}
