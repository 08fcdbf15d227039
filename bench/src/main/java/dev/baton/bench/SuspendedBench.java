package dev.baton.bench;

import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.journal.Durability;
import dev.baton.runtime.plan.Plan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;

/**
 * 100,000 workflows suspended in {@code Sleep} and {@code Await}: the heap they cost (after
 * GC, against the heap of the same engine with none), the snapshot size, and how long
 * recovery takes to bring all of them back (snapshot read + decode, in this fresh JVM).
 */
public final class SuspendedBench {
    static final String PROGRAM = """
            Event Faction.Offer { to: Int, terms: String }
            Workflow Sleeper(n: Int) {
                Sleep 1h
                Emit Faction.Offer { to: n, terms: "done" }
            }
            Workflow Waiter(n: Int) {
                Await Faction.Offer [where: {to} == n] -> offer
            }
            Load Spawn [total: %d, rate: 1_000_000] {
                if seq %% 2 == 0 {
                    Start Sleeper { n: seq }
                } else {
                    Start Waiter { n: seq }
                }
            }
            """;

    private SuspendedBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        System.out.printf("Suspended workflows: %,d (half in Sleep 1h, half in Await) (%s)%n%n", n, Bench.machine());
        Plan empty = Bench.plan("none.baton", PROGRAM.formatted(0));
        Plan plan = Bench.plan("suspended.baton", PROGRAM.formatted(n));
        EmbeddedEngine baselineEngine = new EmbeddedEngine(empty, EngineOptions.defaults().withDuration(Duration.ofSeconds(1)));
        baselineEngine.run();
        long base = Bench.usedHeap();

        Path dir = Files.createTempDirectory("suspended-bench");
        EmbeddedEngine engine = new EmbeddedEngine(plan, EngineOptions.defaults().withDuration(Duration.ofSeconds(1)).withDataDir(dir));
        long t0 = System.nanoTime();
        engine.run();
        double startSec = (System.nanoTime() - t0) / 1e9;
        Core core = engine.core();
        long inFlight = core.workflowsInFlight();
        long used = Bench.usedHeap();
        long perWorkflow = (used - base) / Math.max(1, inFlight);
        long snapshot = 0;
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) if (p.getFileName().toString().startsWith("snapshot-")) snapshot = Math.max(snapshot, Files.size(p));
        }
        System.out.printf("started %,d workflows in %.2fs; in flight after 1s of engine time: %,d (%s)%n", n, startSec, inFlight, core.workflowsByStatus());
        System.out.printf("heap: %,d MB with them vs %,d MB without: %,d MB for %,d suspended workflows (%,d bytes each) — target <= 512 MB%n",
                used / (1 << 20), base / (1 << 20), (used - base) / (1 << 20), inFlight, perWorkflow);
        System.out.printf("snapshot: %,d bytes (%,d bytes per workflow)%n", snapshot, snapshot / Math.max(1, inFlight));

        // recovery, as a restart after kill -9 does it: open the directory, read the newest snapshot, replay the journal
        Files.deleteIfExists(dir.resolve("report.json"));
        long r0 = System.nanoTime();
        Durability d = Durability.open(dir, plan, EngineOptions.defaults());
        Core restored = d.restore(plan, EngineOptions.defaults());
        double restoreSec = (System.nanoTime() - r0) / 1e9;
        d.close();
        System.out.printf("recovery: %,d workflows back in flight in %.2fs (%s) — target <= 3 s%n", restored.workflowsInFlight(), restoreSec,
                String.join("; ", d.recoveryNotes()));
        try (var s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
