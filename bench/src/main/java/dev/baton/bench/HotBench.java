package dev.baton.bench;

import dev.baton.lang.Baton;
import dev.baton.redis.LocalRedis;
import dev.baton.redis.RedisSharedState;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import dev.baton.temporal.TemporalEngine;
import redis.clients.jedis.RedisClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The world boss on Temporal with its authority inside the run's workflow (the baseline) and on
 * Redis as a hot module (each batch of the shards' pushes one local activity and one
 * compare-and-set), in the same run: both must end with the embedded engine's trace.
 *
 * Then shard-sync (its load cut to {@code attacks}) in one workflow and spread over
 * {@code partitions} workflows sharing the authority on Redis: equal final state, not the trace.
 *
 * <p>Usage: {@code bench/run hot [shards=5] [boss_hp=12000000] [attacks=1200000] [partitions=3] [rounds=3]}
 */
public final class HotBench {
    private HotBench() {
    }

    public static void main(String[] args) throws Exception {
        String shards = "5";
        String hp = "12000000";
        int rounds = 3;
        long attacks = 1_200_000;
        int partitions = 3;
        for (String a : args) {
            if (a.startsWith("shards=")) shards = a.substring(7);
            else if (a.startsWith("boss_hp=")) hp = a.substring(8);
            else if (a.startsWith("rounds=")) rounds = Integer.parseInt(a.substring(7));
            else if (a.startsWith("attacks=")) attacks = Long.parseLong(a.substring(8));
            else if (a.startsWith("partitions=")) partitions = Integer.parseInt(a.substring(11));
        }
        Map<String, String> params = Map.of("players", "2000", "shards", shards, "boss_hp", hp, "attack_rate", "100000");
        Plan plan = Compiler.compile(Baton.check("world-boss.baton", Files.readString(Path.of("examples/world-boss.baton"))), params);
        EngineOptions options = EngineOptions.defaults().withSeed(5);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), Files.createTempDirectory("bench-temporal"));
             LocalRedis redis = LocalRedis.start(LocalKafka.freePort(), Files.createTempDirectory("bench-redis"), false);
             RedisSharedState store = RedisSharedState.connect(redis.uri())) {
            Bench.Race inRun = Bench.race(rounds, () -> new EmbeddedEngine(plan, options).run(),
                    () -> new TemporalEngine(plan, params, options, temporal.target(), "default", true).run());
            Bench.Race onRedis = Bench.race(rounds, () -> new EmbeddedEngine(plan, options).run(),
                    () -> new TemporalEngine(plan, params, options, temporal.target(), "default", true).withHotStore(store).run());
            long batches = 0;
            try (RedisClient client = RedisClient.create("127.0.0.1", redis.port)) {
                for (String key : client.keys("baton:hot:{*:GlobalAuthority}")) batches = Math.max(batches, Long.parseLong(client.hget(key, "n")));
            }
            RunReport r = onRedis.temporal();
            System.out.printf("world boss, %s shards, boss HP %s, seed 5 (%s); best of %d%n%n", shards, hp, Bench.machine(), rounds);
            System.out.printf("%-40s %10s %12s %18s%n", "", "wall", "engine time", "trace");
            row("embedded", inRun.embedded(), Math.min(inRun.embeddedSeconds(), onRedis.embeddedSeconds()));
            row("temporal, authority in the workflow", inRun.temporal(), inRun.temporalSeconds());
            row("temporal, authority on Redis (hot)", r, onRedis.temporalSeconds());
            System.out.printf("%nbatches of calls to the authority (one local activity + one compare-and-set each): %,d%n", batches);
            System.out.printf("per batch: %.2f ms; authority on Redis / in the workflow = %.2fx%n",
                    (onRedis.temporalSeconds() - inRun.temporalSeconds()) * 1e3 / Math.max(1, batches), onRedis.temporalSeconds() / inRun.temporalSeconds());

            String source = Files.readString(Path.of("examples/shard-sync.baton"));
            String cut = source.replace("total: 6_000_000", "total: " + attacks).replace("hp: 500_000_000", "hp: " + attacks * 100 * 5 / 6);
            if (cut.equals(source)) throw new IllegalStateException("examples/shard-sync.baton changed: update the bench");
            Plan sync = Compiler.compile(Baton.check("shard-sync.baton", cut), Map.of());
            int n = partitions;
            Bench.Race oneWorkflow = Bench.race(rounds, () -> new EmbeddedEngine(sync, options).run(),
                    () -> new TemporalEngine(sync, Map.of(), options, temporal.target(), "default", true).withHotStore(store).run());
            double spreadBest = Double.MAX_VALUE;
            RunReport spread = null;
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                spread = new TemporalEngine(sync, Map.of(), options, temporal.target(), "default", true).withHotStore(store).withPartitions(n).run();
                spreadBest = Math.min(spreadBest, (System.nanoTime() - t0) / 1e9);
            }
            if (!spread.globals().equals(oneWorkflow.temporal().globals())) throw new IllegalStateException("the spread run ended elsewhere: " + spread.globals());
            System.out.printf("%nshard-sync, 50 shards, %,d attacks; best of %d%n%n", attacks, rounds);
            System.out.printf("%-40s %10s %18s%n", "", "wall", "final boss");
            System.out.printf("%-40s %8.2f s %18s%n", "embedded", oneWorkflow.embeddedSeconds(), oneWorkflow.embedded().globals().get("global_boss_state"));
            System.out.printf("%-40s %8.2f s %18s%n", "temporal, one workflow (authority hot)", oneWorkflow.temporalSeconds(), oneWorkflow.temporal().globals().get("global_boss_state"));
            System.out.printf("%-40s %8.2f s %18s%n", "temporal, " + n + " partitions", spreadBest, spread.globals().get("global_boss_state"));
            System.out.printf("%n%d partitions / one workflow = %.2fx (on %d cores: every partition runs the whole load generator)%n", n,
                    spreadBest / oneWorkflow.temporalSeconds(), Runtime.getRuntime().availableProcessors());
        }
    }

    private static void row(String name, RunReport r, double seconds) {
        System.out.printf("%-40s %8.2f s %9d ms %18s%n", name, seconds, r.engineTimeMs(), r.traceHash());
    }
}
