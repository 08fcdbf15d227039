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
 * <p>Usage: {@code bench/run hot [shards=5] [boss_hp=12000000] [rounds=3]}
 */
public final class HotBench {
    private HotBench() {
    }

    public static void main(String[] args) throws Exception {
        String shards = "5";
        String hp = "12000000";
        int rounds = 3;
        for (String a : args) {
            if (a.startsWith("shards=")) shards = a.substring(7);
            else if (a.startsWith("boss_hp=")) hp = a.substring(8);
            else if (a.startsWith("rounds=")) rounds = Integer.parseInt(a.substring(7));
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
        }
    }

    private static void row(String name, RunReport r, double seconds) {
        System.out.printf("%-40s %8.2f s %9d ms %18s%n", name, seconds, r.engineTimeMs(), r.traceHash());
    }
}
