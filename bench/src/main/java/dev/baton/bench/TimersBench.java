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
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

import java.nio.file.Files;
import java.util.Map;

/**
 * Long sleeps on the embedded engine and on Temporal: {@code workflows} workflows that each
 * {@code Sleep 6h} and then count themselves done, same seed on both engines (trace hashes must
 * match). Prints the wall time of each (best of {@code rounds}), the ratio, and the workflow tasks
 * in the Temporal run's history — the cost that stepping through empty engine time used to add.
 *
 * <p>Usage: {@code bench/run timers [workflows=100] [rounds=3]}
 */
public final class TimersBench {
    private TimersBench() {
    }

    static final String PROGRAM = """
            $done = 0
            Workflow Nightly(i: Int) {
                Sleep 6h
                $done += 1
            }
            Load Kick [total: %d, rate: 1000] {
                Start Nightly { i: seq }
            }
            """;

    public static void main(String[] args) throws Exception {
        int workflows = 100;
        int rounds = 3;
        for (String a : args) {
            if (a.startsWith("workflows=")) workflows = Integer.parseInt(a.substring(10));
            else if (a.startsWith("rounds=")) rounds = Integer.parseInt(a.substring(7));
        }
        Plan plan = Compiler.compile(Baton.check("sleepers.baton", PROGRAM.formatted(workflows)), Map.of());
        EngineOptions options = EngineOptions.defaults().withSeed(1);
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), Files.createTempDirectory("bench-temporal"))) {
            TemporalEngine engine = new TemporalEngine(plan, Map.of(), options, temporal.target(), "default", true);
            Bench.Race race = Bench.race(rounds, () -> new EmbeddedEngine(plan, options).run(),
                    () -> new TemporalEngine(plan, Map.of(), options, temporal.target(), "default", true).run());
            RunReport e = race.embedded();
            RunReport t = race.temporal();
            WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
            long tasks;
            try {
                tasks = WorkflowClient.newInstance(service).fetchHistory(engine.workflowId()).getHistory().getEventsList().stream()
                        .filter(ev -> ev.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).count();
            } finally {
                service.shutdownNow();
            }
            System.out.printf("%,d workflows sleeping 6h each, seed 1 (%s)%n%n", workflows, Bench.machine());
            System.out.printf("engine time %,d ms, %s done, trace %s on both%n", e.engineTimeMs(), e.globals().get("done"), e.traceHash());
            System.out.printf("embedded:                       %.2f s wall (best of %d)%n", race.embeddedSeconds(), rounds);
            System.out.printf("temporal (test server, gRPC):   %.2f s wall (best of %d), %d workflow tasks, continued as new: %s%n",
                    race.temporalSeconds(), rounds, tasks, t.resumed() ? "yes" : "no");
            System.out.printf("ratio temporal / embedded:      %.2fx%n", race.ratio());
        }
    }
}
