package dev.baton.bench;

import dev.baton.lang.Baton;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import dev.baton.temporal.TemporalEngine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The recursive planner ({@code examples/planner.baton}): its self-contained {@code Pursue}
 * workflows run apart — each in a core of its own on the embedded engine, each a child workflow
 * on Temporal — and, as the baseline, the same program with {@code Pursue} tied to the run
 * (it reads a global, which changes nothing else), so every workflow runs inside the run. The
 * two programs draw different random numbers (a run apart has its own stream), so their trees
 * differ: compare per workflow. Each pair of engines must end with the same trace.
 *
 * <p>Usage: {@code bench/run planner [campaigns=60] [rounds=3]}
 */
public final class PlannerBench {
    private PlannerBench() {
    }

    public static void main(String[] args) throws Exception {
        int campaigns = 60;
        int rounds = 3;
        for (String a : args) {
            if (a.startsWith("campaigns=")) campaigns = Integer.parseInt(a.substring(10));
            else if (a.startsWith("rounds=")) rounds = Integer.parseInt(a.substring(7));
        }
        String source = Files.readString(Path.of("examples/planner.baton"));
        String tied = source.replace("    if plan.primitive {", "    if plan.primitive and $totals.campaigns >= 0 {");
        if (tied.equals(source)) throw new IllegalStateException("examples/planner.baton changed: update the bench's baseline");
        Map<String, String> params = Map.of("campaigns", Integer.toString(campaigns));
        Plan apart = Compiler.compile(Baton.check("planner.baton", source), params);
        Plan inline = Compiler.compile(Baton.check("planner.baton", tied), params);
        if (!apart.workflows.get(1).detachable() || inline.workflows.get(1).detachable()) throw new IllegalStateException("Pursue should run apart in one program only");
        EngineOptions options = EngineOptions.defaults().withSeed(1);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), Files.createTempDirectory("bench-temporal"))) {
            Bench.Race a = Bench.race(rounds, () -> new EmbeddedEngine(apart, options).run(),
                    () -> new TemporalEngine(apart, params, options, temporal.target(), "default", true).run());
            Bench.Race none = Bench.race(rounds, () -> new EmbeddedEngine(apart, options).run(),
                    () -> new TemporalEngine(apart, params, options, temporal.target(), "default", true).withMaxChildWorkflows(0).run());
            Bench.Race i = Bench.race(rounds, () -> new EmbeddedEngine(inline, options).run(),
                    () -> new TemporalEngine(inline, params, options, temporal.target(), "default", true).run());
            System.out.printf("recursive planner, %d campaigns, seed 1 (%s); best of %d%n%n", campaigns, Bench.machine(), rounds);
            System.out.printf("%-44s %10s %10s %12s %18s%n", "", "workflows", "wall", "per workflow", "trace");
            row("embedded, Pursue apart", a.embedded(), Math.min(a.embeddedSeconds(), none.embeddedSeconds()));
            row("temporal, Pursue as child workflows", a.temporal(), a.temporalSeconds());
            row("temporal, Pursue apart in the run's worker", none.temporal(), none.temporalSeconds());
            row("embedded, Pursue inline (another tree)", i.embedded(), i.embeddedSeconds());
            row("temporal, Pursue inline (another tree)", i.temporal(), i.temporalSeconds());
            System.out.printf("%nsame run (same trace): child workflows / worked out in the run's worker = %.1fx%n",
                    a.temporalSeconds() / none.temporalSeconds());
        }
    }

    private static void row(String name, RunReport r, double seconds) {
        long workflows = ((Number) r.counters().get("workflows_started")).longValue();
        System.out.printf("%-44s %,10d %8.2f s %9.0f µs %18s%n", name, workflows, seconds, seconds * 1e6 / workflows, r.traceHash());
    }
}
