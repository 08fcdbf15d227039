package dev.baton.bench;

import dev.baton.lang.Baton;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import dev.baton.temporal.TemporalEngine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The world boss at a small size on the embedded engine and on Temporal (its test server in its
 * own process, reached over gRPC; the worker in this JVM), same program, parameters and seed:
 * wall time of each, best of {@code rounds}, and the ratio. The two reports' trace hashes must
 * match (else the numbers are of different runs).
 *
 * <p>Usage: {@code bench/run distributed [players=20000] [rounds=3]}
 */
public final class DistributedBench {
    private DistributedBench() {
    }

    public static void main(String[] args) throws Exception {
        int players = 20_000;
        int rounds = 3;
        for (String a : args) {
            if (a.startsWith("players=")) players = Integer.parseInt(a.substring(8));
            else if (a.startsWith("rounds=")) rounds = Integer.parseInt(a.substring(7));
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("players", Integer.toString(players));
        params.put("shards", "10");
        params.put("boss_hp", Long.toString(players * 1_500L));
        params.put("attack_rate", "200000");
        Plan plan = Compiler.compile(Baton.check("world-boss.baton", Files.readString(Path.of("examples/world-boss.baton"))), params);
        EngineOptions options = EngineOptions.defaults().withSeed(7);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), Files.createTempDirectory("bench-temporal"))) {
            Bench.Race race = Bench.race(rounds, () -> new EmbeddedEngine(plan, options).run(),
                    () -> new TemporalEngine(plan, params, options, temporal.target(), "default", true).run());
            RunReport e = race.embedded();
            System.out.printf("world boss, %,d players, 10 shards, seed 7 (%s)%n%n", players, Bench.machine());
            System.out.printf("engine time %,d ms, %,d events, trace %s on both%n", e.engineTimeMs(), e.counters().get("events_emitted"), e.traceHash());
            System.out.printf("embedded:                       %.2f s wall (best of %d)%n", race.embeddedSeconds(), rounds);
            System.out.printf("temporal (test server, gRPC):   %.2f s wall (best of %d)%n", race.temporalSeconds(), rounds);
            System.out.printf("ratio temporal / embedded:      %.2fx%n", race.ratio());
        }
    }
}
