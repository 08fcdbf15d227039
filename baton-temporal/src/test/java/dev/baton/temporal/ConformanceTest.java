package dev.baton.temporal;

import dev.baton.lang.Baton;
import dev.baton.lang.CheckResult;
import dev.baton.runtime.EmbeddedEngine;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The examples run on the embedded engine and on Temporal (a real gRPC endpoint: Temporal's
 * test server in its own process) give equal results: the trace hash, the final globals and
 * module state, the program's Report and its invariants. Wall-clock figures are left out.
 */
class ConformanceTest {
    static LocalTemporal temporal;

    @BeforeAll
    static void start() throws Exception {
        temporal = LocalTemporal.start(LocalKafka.freePort(), Files.createTempDirectory("baton-temporal"));
    }

    @AfterAll
    static void stop() {
        if (temporal != null) temporal.close();
    }

    static Plan plan(String example, Map<String, String> params) throws Exception {
        Path file = Path.of("../examples", example);
        CheckResult checked = Baton.check(example, Files.readString(file));
        return Compiler.compile(checked, params);
    }

    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Both reports as JSON (as the engines print them), wall-clock figures and the engine's name left out, must be equal. */
    static void assertSame(RunReport embedded, RunReport onTemporal) throws Exception {
        assertThat(onTemporal.engine()).isEqualTo("temporal");
        assertThat(onTemporal.traceHash()).isEqualTo(embedded.traceHash());
        assertThat(comparable(onTemporal)).isEqualTo(comparable(embedded)); // as JSON text: numbers compare by value, not Java type
        assertThat(onTemporal.failedInvariants()).isEmpty();
    }

    static String comparable(RunReport r) throws com.fasterxml.jackson.core.JsonProcessingException {
        com.fasterxml.jackson.databind.node.ObjectNode n = JSON.valueToTree(r);
        // the decisions of workflows run apart are listed by the embedded engine only (on Temporal they are in the child
        // workflows' histories); both() compares the lists of a program without them
        n.remove(java.util.List.of("engine", "wallTimeMs", "resumed", "askCount", "asks"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("counters")).remove("events_per_second");
        if (n.get("report") instanceof com.fasterxml.jackson.databind.node.ObjectNode rep) rep.remove("events_per_second");
        return JSON.writeValueAsString(n);
    }

    RunReport both(String example, Map<String, String> params, EngineOptions options, int tasksPerRun) throws Exception {
        Plan plan = plan(example, params);
        RunReport embedded = new EmbeddedEngine(plan, options).run();
        RunReport onTemporal = new TemporalEngine(plan, params, options, temporal.target(), "default", true).withTasksPerRun(tasksPerRun).run();
        assertSame(embedded, onTemporal);
        if (plan.workflows.stream().noneMatch(Plan.WorkflowPlan::detachable)) {
            // every Ask settles in the run's own workflow (none in a child workflow): the same decisions, listed the same
            assertThat(onTemporal.askCount()).isEqualTo(embedded.askCount());
            assertThat(JSON.writeValueAsString(onTemporal.asks())).isEqualTo(JSON.writeValueAsString(embedded.asks()));
        }
        return onTemporal;
    }

    static final String COUNTER_V1 = """
            version 1

            Event Ops.Go {}

            Module Counter {
                $n = 0

                Tick [10ms] {
                    $n += 1
                }
            }

            Workflow Waiter {
                Await Ops.Go
            }

            Module Starter {
                $started = false

                Tick [10ms] {
                    if not $started {
                        $started = true
                        Start Waiter {} [id: "w1"]
                    }
                }
            }
            """;

    static final String COUNTER_V2 = COUNTER_V1.replace("version 1", "version 2")
            .replace("    $n = 0\n", "    $n = 0\n    $twice = 0\n")
            .replace("$n += 1", "$n += 1\n        $twice += 2")
            + "\n$bonus = 7\n\nMigration from 1 {\n    Module Counter {\n        $twice = $n * 2\n    }\n}\n";

    /**
     * A new version deployed into a run on Temporal ({@code deploy}): refused with its reasons when
     * the run cannot move (nothing changes), else taken at the next continue-as-new — the state
     * transformed by the migration, the waiting workflow moved — and every run of the chain, the one
     * with the deploy in its history too, replays on a fresh worker without a nondeterminism error.
     */
    @Test
    void aDeployedVersionIsTakenAtTheNextContinueAsNewAndReplays() throws Exception {
        Plan plan = Compiler.compile(Baton.check("counter.baton", COUNTER_V1), Map.of());
        BlobRenewalTest.QuietInbox inbox = new BlobRenewalTest.QuietInbox();
        TemporalEngine engine = new TemporalEngine(plan, Map.of(), EngineOptions.defaults().withSeed(3), temporal.target(), "default", true)
                .withInbox(inbox);
        java.util.concurrent.CompletableFuture<RunReport> run = runAsync(engine);
        try (TemporalEngine.Live live = engine.live()) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60); // a bound for a hang only
            String waiter = "null";
            while (waiter.equals("null")) {
                assertThat(System.nanoTime()).as("the waiter starts").isLessThan(deadline);
                try {
                    waiter = live.inspect(dev.baton.runtime.Inspect.Request.of("workflow", "id", "w1").json());
                } catch (java.io.IOException notYet) {
                    // the run is starting
                }
                if (waiter.equals("null")) Thread.sleep(50);
            }
            String refused = live.deploy(COUNTER_V2.replace("Await Ops.Go", "Await Ops.Go [timeout: 1h]"));
            assertThat(refused).contains("\"refused\"").contains("counter.baton:").contains("(Await)");
            String moved = live.deploy(COUNTER_V2);
            assertThat(moved).contains("\"moved\":true").contains("\"from\":1").contains("\"to\":2").contains("\"suspended\":1");
            assertThat(live.inspect(dev.baton.runtime.Inspect.Request.of("state").json())).contains("bonus");
        }
        inbox.closed = true;
        RunReport report = run.get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(((Number) report.globals().get("bonus")).longValue()).isEqualTo(7);
        @SuppressWarnings("unchecked")
        Map<String, Object> counter = (Map<String, Object>) report.modules().get("Counter");
        long n = ((Number) counter.get("n")).longValue();
        long twice = ((Number) counter.get("twice")).longValue();
        assertThat(twice).as("migrated as $n * 2, then 2 a tick").isEqualTo(2 * n);

        io.temporal.serviceclient.WorkflowServiceStubs service = io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(
                io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
        try {
            io.temporal.client.WorkflowClient client = io.temporal.client.WorkflowClient.newInstance(service);
            io.temporal.common.WorkflowExecutionHistory history = client.fetchHistory(engine.workflowId());
            int runs = 0;
            boolean sawDeploy = false;
            while (true) {
                io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(history, BatonRunWorkflowImpl.class);
                runs++;
                sawDeploy |= history.getEvents().stream().anyMatch(e -> e.hasWorkflowExecutionUpdateAcceptedEventAttributes()
                        && e.getWorkflowExecutionUpdateAcceptedEventAttributes().getAcceptedRequest().getInput().getName().equals("deploy"));
                String previous = history.getEvents().get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
                if (previous.isEmpty()) break;
                history = client.fetchHistory(engine.workflowId(), previous);
            }
            assertThat(runs).as("the deploy continued the run as new").isGreaterThanOrEqualTo(2);
            assertThat(sawDeploy).as("a replayed run has the deploy in its history").isTrue();
        } finally {
            service.shutdownNow();
        }
    }

    /** Quests ask a self-contained workflow, run apart (a child workflow), for their points; version 2's gives a thousand times more. */
    static final String APART_V1 = """
            version 1

            Event Game.Score { player: String, points: Int }

            Module Board {
                $points: Map<Int> = {}

                ON (Game.Score) {
                    $points[{player}] = get($points, {player}, 0) + {points}
                }
            }

            Workflow Score(n: Int) -> Int {
                Sleep 10s
                return n
            }

            Workflow Quest(player: String, n: Int) {
                Run Score { n: n } -> s
                Emit Game.Score { player: player, points: s }
            }

            Module Go {
                $t = 0

                Tick [10ms] {
                    $t += 1
                    if $t <= 3 {
                        Start Quest { player: "p" + str($t), n: $t } [id: "quest-" + str($t)]
                    }
                }
            }
            """;

    /**
     * A deploy while child workflows run apart: the run moves at the next continue-as-new, the
     * children already out return what version 1 computes (their results reach the moved run),
     * a quest started after the move (by a module version 2 adds) runs version 2 — and every run
     * of the chain replays.
     */
    @Test
    void aDeployWhileWorkflowsRunApartLetsThemFinishUnderTheirVersion() throws Exception {
        String v2 = APART_V1.replace("version 1", "version 2").replace("    return n\n", "    return n * 1000\n") + """

                Module Late {
                    $started = false

                    Tick [10ms] {
                        if not $started {
                            $started = true
                            Start Quest { player: "late", n: 7 } [id: "quest-late"]
                        }
                    }
                }

                Migration from 1 {
                }
                """;
        assertThat(v2).contains("n * 1000");
        Plan plan = Compiler.compile(Baton.check("quests.baton", APART_V1), Map.of());
        BlobRenewalTest.QuietInbox inbox = new BlobRenewalTest.QuietInbox();
        TemporalEngine engine = new TemporalEngine(plan, Map.of(), EngineOptions.defaults().withSeed(3), temporal.target(), "default", true)
                .withInbox(inbox);
        java.util.concurrent.CompletableFuture<RunReport> run = runAsync(engine);
        try (TemporalEngine.Live live = engine.live()) {
            awaitWorkflow(live, "quest-3/Score-1", "RUNNING");
            String moved = live.deploy(v2);
            assertThat(moved).contains("\"moved\":true").contains("\"from\":1").contains("\"to\":2").contains("\"runs_apart_on_their_version\":3");
            awaitWorkflow(live, "quest-late", "COMPLETED");
        }
        inbox.closed = true;
        RunReport report = run.get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(report.errors()).isEmpty();
        Plan moved = Compiler.compile(Baton.check("quests.baton", v2), Map.of());
        assertThat(moved.version).isEqualTo(2);
        @SuppressWarnings("unchecked")
        Map<String, Object> board = (Map<String, Object>) report.modules().get("Board");
        Map<String, Long> points = new java.util.TreeMap<>();
        ((Map<?, ?>) board.get("points")).forEach((k, v) -> points.put((String) k, ((Number) v).longValue()));
        assertThat(points).as("the Scores out at the move ran version 1; quest-late's ran version 2")
                .isEqualTo(Map.of("p1", 1L, "p2", 2L, "p3", 3L, "late", 7_000L));
        replayEveryRun(engine.workflowId());
    }

    /** Two tellers add to one bank: the bank lives on the state store (hot) when the run is on Temporal with a store. */
    static final String BANK_V1 = """
            version 1

            Module Bank {
                $total = 0

                Add(n: Int) /execute -> Int {
                    $total += n
                    return $total
                }
            }

            Module Teller [instances: 2] {
                $calls = 0
                $seen = 0

                Tick [10ms] {
                    if $calls < 1000 {
                        $calls += 1
                        Call Bank.Add { n: 1 } -> t
                        $seen = t
                    }
                }
            }
            """;

    /**
     * A deploy into a run whose module lives on the state store: refused, saying why, when the new
     * version changes that module (its record there is not the run's to rewrite); taken when it
     * changes only the rest — and the bank on the store goes on counting every call once.
     */
    @Test
    void aDeployMovesARunWithAModuleOnTheStateStoreOnlyWhenThatModuleIsUnchanged() throws Exception {
        String v2 = BANK_V1.replace("version 1", "version 2").replace("    $seen = 0\n", "    $seen = 0\n    $late = 0\n")
                .replace("            $seen = t\n", "            $seen = t\n            $late += 1\n") + "\nMigration from 1 {\n}\n";
        String bankChanged = v2.replace("$total += n\n", "$total += n * 1\n");
        assertThat(v2).contains("$late += 1");
        assertThat(bankChanged).isNotEqualTo(v2);
        Plan plan = Compiler.compile(Baton.check("bank.baton", BANK_V1), Map.of());
        assertThat(plan.hot).containsExactly("Bank");
        BlobRenewalTest.QuietInbox inbox = new BlobRenewalTest.QuietInbox();
        dev.baton.runtime.HotStore store = dev.baton.runtime.HotStore.inMemory();
        TemporalEngine engine = new TemporalEngine(plan, Map.of(), EngineOptions.defaults().withSeed(5), temporal.target(), "default", true)
                .withInbox(inbox).withHotStore(store);
        assertThat(engine.hotModules()).containsExactly("Bank");
        java.util.concurrent.CompletableFuture<RunReport> run = runAsync(engine);
        try (TemporalEngine.Live live = engine.live()) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120); // a bound for a hang only
            while (!state(live).matches("(?s).*\"\\$calls\":[1-9].*")) {
                assertThat(System.nanoTime()).as("the tellers call the bank (last seen: %s)", state(live)).isLessThan(deadline);
                Thread.sleep(50);
            }
            String refused = live.deploy(bankChanged);
            assertThat(refused).contains("\"refused\"").contains("module Bank lives on the state store in this run, and version 2 changes it");
            String moved = live.deploy(v2);
            assertThat(moved).contains("\"moved\":true").contains("\"to\":2");
            while (!state(live).matches("(?s).*\"\\$late\":[1-9].*")) {
                assertThat(System.nanoTime()).as("version 2 runs (last seen: %s)", state(live)).isLessThan(deadline);
                Thread.sleep(50);
            }
        }
        inbox.closed = true;
        RunReport report = run.get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(report.errors()).isEmpty();
        @SuppressWarnings("unchecked")
        Map<String, Object> tellers = (Map<String, Object>) report.modules().get("Teller");
        @SuppressWarnings("unchecked")
        Map<String, Object> bank = (Map<String, Object>) report.modules().get("Bank");
        long calls = ((Number) tellers.get("sum(calls)")).longValue();
        assertThat(((Number) tellers.get("sum(late)")).longValue()).as("ticks under version 2").isPositive().isLessThan(calls);
        assertThat(calls).isEqualTo(2000);
        assertThat(((Number) bank.get("total")).longValue()).as("every call counted once by the bank on the store, across the move").isEqualTo(calls);
        replayEveryRun(engine.workflowId());
    }

    /** Instance Teller[0] as {@code GET /instances/Teller[0]} shows it (its state included), or "" while the run is starting. */
    private static String state(TemporalEngine.Live live) {
        try {
            return live.inspect(dev.baton.runtime.Inspect.Request.of("instance", "name", "Teller[0]").json());
        } catch (java.io.IOException notYet) {
            return "";
        }
    }

    /** Runs {@code engine} on another thread: its report to come. */
    private static java.util.concurrent.CompletableFuture<RunReport> runAsync(TemporalEngine engine) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return engine.run();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** Waits until the run's workflow {@code id} is in {@code status} (bounded: a hang fails after 120 s). */
    private static void awaitWorkflow(TemporalEngine.Live live, String id, String status) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        while (true) {
            String w = "null";
            try {
                w = live.inspect(dev.baton.runtime.Inspect.Request.of("workflow", "id", id).json());
            } catch (java.io.IOException notYet) {
                // the run is starting
            }
            if (w.contains("\"status\":\"" + status + "\"")) return;
            assertThat(System.nanoTime()).as("workflow %s reaches %s (last seen: %s)", id, status, w).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Replays every run of the chain of workflow {@code workflowId} on a fresh worker: no nondeterminism. */
    private void replayEveryRun(String workflowId) throws Exception {
        io.temporal.serviceclient.WorkflowServiceStubs service = io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(
                io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
        try {
            io.temporal.client.WorkflowClient client = io.temporal.client.WorkflowClient.newInstance(service);
            io.temporal.common.WorkflowExecutionHistory history = client.fetchHistory(workflowId);
            while (true) {
                io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(history, BatonRunWorkflowImpl.class);
                String previous = history.getEvents().get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
                if (previous.isEmpty()) break;
                history = client.fetchHistory(workflowId, previous);
            }
        } finally {
            service.shutdownNow();
        }
    }

    @Test
    void worldBossSmall() throws Exception {
        Map<String, String> params = Map.of("players", "2000", "shards", "5", "boss_hp", "3000000", "attack_rate", "100000");
        RunReport r = both("world-boss.baton", params, EngineOptions.defaults().withSeed(7), 1);
        assertThat(r.report().get("victory_triggered")).isEqualTo(1);
        assertThat(((Map<?, ?>) r.report().get("rewards")).get("granted")).isEqualTo(2000);
        assertThat(r.resumed()).as("the run continued as new at least once").isTrue();
    }

    /** The authority on a state store (in this process's memory: the worker's), the run continuing as new at every yield: the same trace. */
    @Test
    void worldBossWithItsAuthorityHotAcrossContinueAsNew() throws Exception {
        Map<String, String> params = Map.of("players", "2000", "shards", "5", "boss_hp", "3000000", "attack_rate", "100000");
        Plan plan = plan("world-boss.baton", params);
        EngineOptions options = EngineOptions.defaults().withSeed(8);
        dev.baton.runtime.HotStore.InMemory store = (dev.baton.runtime.HotStore.InMemory) dev.baton.runtime.HotStore.inMemory();
        TemporalEngine engine = new TemporalEngine(plan, params, options, temporal.target(), "default", true).withTasksPerRun(1).withHotStore(store);
        assertThat(engine.hotModules()).containsExactly("GlobalAuthority");
        RunReport onTemporal = engine.run();
        assertSame(new EmbeddedEngine(plan, options).run(), onTemporal);
        assertThat(onTemporal.resumed()).as("the run continued as new at least once").isTrue();
        assertThat(onTemporal.report().get("victory_triggered")).isEqualTo(1);
    }

    /** shard-sync (cut to 600,000 attacks) over three partitions, each continuing as new at every yield: the one-core run's final state and totals. */
    @Test
    void shardSyncSpreadOverThreePartitionsAcrossContinueAsNew() throws Exception {
        String source = Files.readString(Path.of("../examples/shard-sync.baton"));
        String small = source.replace("total: 6_000_000", "total: 600_000").replace("hp: 500_000_000", "hp: 50_000_000");
        assertThat(small).isNotEqualTo(source);
        Plan plan = Compiler.compile(Baton.check("shard-sync.baton", small), Map.of());
        EngineOptions options = EngineOptions.defaults().withSeed(2);
        RunReport embedded = new EmbeddedEngine(plan, options).run();
        RunReport spread = new TemporalEngine(plan, Map.of(), options, temporal.target(), "default", true).withTasksPerRun(1)
                .withHotStore(dev.baton.runtime.HotStore.inMemory()).withPartitions(3).run();
        assertThat(spread.resumed()).as("the first partition continued as new").isTrue();
        // as JSON text (numbers compare by value, not Java type)
        assertThat(JSON.writeValueAsString(spread.globals())).isEqualTo(JSON.writeValueAsString(embedded.globals()));
        assertThat(JSON.writeValueAsString(spread.events())).isEqualTo(JSON.writeValueAsString(embedded.events()));
        assertThat(JSON.writeValueAsString(spread.workflows())).isEqualTo(JSON.writeValueAsString(embedded.workflows()));
        Map<String, Object> shards = new java.util.HashMap<>(spread.modules().get("ShardBossController"));
        Map<String, Object> reference = new java.util.HashMap<>(embedded.modules().get("ShardBossController"));
        shards.remove("sum(local_boss_view)");
        reference.remove("sum(local_boss_view)");
        assertThat(JSON.writeValueAsString(new java.util.TreeMap<>(shards))).isEqualTo(JSON.writeValueAsString(new java.util.TreeMap<>(reference)));
        assertThat(JSON.writeValueAsString(spread.modules().get("GlobalAuthority"))).isEqualTo(JSON.writeValueAsString(embedded.modules().get("GlobalAuthority")));
        assertThat(((Number) spread.counters().get("load_events")).longValue()).isEqualTo(((Number) embedded.counters().get("load_events")).longValue());
        assertThat(((Number) spread.counters().get("workflows_started")).longValue()).isEqualTo(1L);
    }

    @Test
    void economy() throws Exception {
        RunReport r = both("economy.baton", Map.of(), EngineOptions.defaults().withSeed(3), 5);
        assertThat(((Map<?, ?>) r.report().get("trades")).get("started")).isEqualTo(10000);
    }

    /**
     * Stress test 3 under faults, continuing as new at every yield: the agents' recursive plans, the
     * shared forks they negotiate through and the joins waiting on them cross snapshots, and the
     * run ends as on the embedded engine.
     */
    @Test
    void factionUnderFaultsAcrossContinueAsNew() throws Exception {
        RunReport r = both("faction.baton", Map.of(), EngineOptions.defaults().withSeed(4)
                .withFaults(dev.baton.runtime.Faults.parse("crash=2,duplicate=0.05,delay=0.1,drop=0.02,hallucinate=0.3")), 1);
        assertThat(r.failedInvariants()).isEmpty();
        assertThat(r.report().get("allied")).isEqualTo(java.util.List.of(true, true));
        assertThat(r.resumed()).as("the run continued as new at least once").isTrue();
        assertThat(r.askCount()).as("the agents' decisions, listed across continue-as-new (and equal to the embedded engine's)")
                .isPositive().isEqualTo(r.asks().size());
        assertThat(r.asks().toString()).as("hallucinations rejected, as listed").contains("rejected");
    }

    /** What a run emits leaves it the same way on both engines: same events, same numbers, same payloads, same order. */
    @Test
    void emittedEventsLeaveTheRunAsOnTheEmbeddedEngine() throws Exception {
        Map<String, String> params = Map.of("players", "500", "shards", "3", "boss_hp", "600000", "attack_rate", "50000");
        Plan plan = plan("world-boss.baton", params);
        java.util.List<String> embedded = new java.util.ArrayList<>();
        java.util.List<String> onTemporal = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        new EmbeddedEngine(plan, EngineOptions.defaults().withBus(collect(embedded))).run();
        new TemporalEngine(plan, params, EngineOptions.defaults(), temporal.target(), "default", true).withTasksPerRun(3)
                .withBus(collect(onTemporal)).run();
        assertThat(embedded).hasSizeGreaterThan(1000);
        assertThat(onTemporal).isEqualTo(embedded);
    }

    /**
     * The worker's bus fails a flush (a broker that refuses or stalls): the publishing local activity
     * is tried again, the run goes on and ends as on the embedded engine, and every event reaches the
     * bus — the failed batch twice, with the same emission numbers, so a consumer drops the repeat.
     */
    @Test
    void aFailedPublishIsTriedAgainAndTheRunEndsAsOnTheEmbeddedEngine() throws Exception {
        Map<String, String> params = Map.of("players", "300", "shards", "2", "boss_hp", "200000", "attack_rate", "50000");
        Plan plan = plan("world-boss.baton", params);
        java.util.List<String> embedded = new java.util.ArrayList<>();
        RunReport reference = new EmbeddedEngine(plan, EngineOptions.defaults().withBus(collect(embedded))).run();
        java.util.List<String> published = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger flushes = new java.util.concurrent.atomic.AtomicInteger();
        dev.baton.runtime.EventBus flaky = new dev.baton.runtime.EventBus() {
            private final dev.baton.runtime.EventBus into = collect(published);

            @Override
            public void publish(long time, String event, Object payload) {
                into.publish(time, event, payload);
            }

            @Override
            public void publish(long time, long seq, String event, Object payload) {
                into.publish(time, seq, event, payload);
            }

            @Override
            public void flush() {
                if (flushes.incrementAndGet() == 1) throw new IllegalStateException("publishing failed: the broker refused the batch (the test's)");
            }
        };
        RunReport onTemporal = new TemporalEngine(plan, params, EngineOptions.defaults(), temporal.target(), "default", true).withTasksPerRun(3)
                .withBus(flaky).run();
        assertSame(reference, onTemporal);
        assertThat(flushes.get()).as("the failed batch published again").isGreaterThan(1);
        assertThat(new java.util.ArrayList<>(new java.util.LinkedHashSet<>(published))).as("every event, in order, the repeats dropped").isEqualTo(embedded);
        assertThat(published.size()).as("the failed batch was published again").isGreaterThan(embedded.size());
    }

    static dev.baton.runtime.EventBus collect(java.util.List<String> into) {
        return new dev.baton.runtime.EventBus() {
            @Override
            public void publish(long time, String event, Object payload) {
                throw new AssertionError("the engines publish with the emission's number");
            }

            @Override
            public void publish(long time, long seq, String event, Object payload) {
                into.add(time + " #" + seq + " " + event + " " + dev.baton.runtime.Json.write(dev.baton.runtime.Json.toPlain(payload)));
            }
        };
    }

    /**
     * The recursive planner's self-contained workflows run as a tree of Temporal child workflows
     * (a Fork of them in parallel), and the run still equals the embedded one to the trace.
     */
    @Test
    void plannerRunsItsSelfContainedWorkflowsAsChildWorkflows() throws Exception {
        Plan plan = plan("planner.baton", Map.of());
        EngineOptions options = EngineOptions.defaults().withSeed(5);
        RunReport embedded = new EmbeddedEngine(plan, options).run();
        TemporalEngine engine = new TemporalEngine(plan, Map.of(), options, temporal.target(), "default", true).withTasksPerRun(2);
        RunReport onTemporal = engine.run();
        assertSame(embedded, onTemporal);
        assertThat(onTemporal.report().get("done")).isEqualTo(6);
        assertThat(((Number) onTemporal.counters().get("workflows_started")).longValue()).isGreaterThan(30);
        Map<String, Long> children = childWorkflows(engine.workflowId());
        assertThat(children).as("one child workflow per campaign's Pursue").hasSize(6);
        String first = children.keySet().iterator().next();
        assertThat(childWorkflows(first)).as("a Pursue's sub-goals: children of the child, started together").hasSizeGreaterThan(1);
    }

    /** A run apart on Temporal that fails, and one cancelled mid-way (its work so far counted), end as on the embedded engine. */
    @Test
    void childWorkflowsThatFailOrAreCancelledEndAsOnTheEmbeddedEngine() throws Exception {
        String source = """
                Module Go {
                    $started = false
                    Tick [1ms] {
                        if not $started {
                            $started = true
                            Start Main [id: "main"]
                            Start Other [id: "other"]
                        }
                    }
                }
                Workflow Main {
                    Fork {
                        Branch stop {
                            Sleep 50ms
                            Fail "stop"
                        }
                        Branch work {
                            Run Tree { n: 3 } -> t
                            return t
                        }
                    } Join all -> r
                }
                Workflow Other {
                    Run Tree { n: -1 } -> t
                }
                Workflow Tree(n: Int) -> Int {
                    if n < 0 {
                        Fail "no tree below zero"
                    }
                    if n == 0 {
                        Sleep 1s
                        return 1
                    }
                    Fork k in range(3) [max: 3] {
                        if n == 1 and k == 2 {
                            let x = 1 / (k - 2)
                        }
                        Run Tree { n: n - 1 } -> p
                        return p
                    } Join 2 [on_failure: continue] -> ps
                    return ps[0] + ps[1]
                }
                """;
        CheckResult checked = Baton.check("apart.baton", source);
        Plan plan = Compiler.compile(checked);
        EngineOptions options = EngineOptions.defaults().withDuration(Duration.ofSeconds(3));
        RunReport embedded = new EmbeddedEngine(plan, options).run();
        RunReport onTemporal = new TemporalEngine(plan, Map.of(), options, temporal.target(), "default", true).withTasksPerRun(3).run();
        assertSame(embedded, onTemporal);
        assertThat(onTemporal.workflows()).isEqualTo(Map.of("CANCELLED", 31L, "FAILED", 3L));
        assertThat(onTemporal.errors()).hasSize(9);
        assertThat(onTemporal.failures()).anyMatch(f -> f.contains("no tree below zero"));
    }

    /**
     * A child that returns at once but ends 3 s of engine time later (its Sleep is its own):
     * the run continues as new (every task here) with that completion still ahead, carried in
     * the snapshot, and ends as on the embedded engine.
     */
    @Test
    void aRunContinuesAsNewWithAChildsCompletionStillAhead() throws Exception {
        String source = """
                $out = ""
                Module Clock {
                    $ticks = 0
                    Tick [100ms] {
                        $ticks += 1
                        if $ticks == 2 {
                            Start Main [id: "main"]
                        }
                    }
                }
                Workflow Main {
                    Run Nap { ms: 3000 } -> woke
                    $out = woke
                }
                Workflow Nap(ms: Int) -> String {
                    Sleep 1ms * ms
                    return "woke at " + str(now()) + " with " + str(random_int(0, 1000))
                }
                """;
        Plan plan = Compiler.compile(Baton.check("nap.baton", source));
        EngineOptions options = EngineOptions.defaults().withDuration(Duration.ofSeconds(5));
        RunReport embedded = new EmbeddedEngine(plan, options).run();
        RunReport onTemporal = new TemporalEngine(plan, Map.of(), options, temporal.target(), "default", true).withTasksPerRun(1).run();
        assertSame(embedded, onTemporal);
        assertThat(onTemporal.resumed()).isTrue();
        assertThat((String) onTemporal.globals().get("out")).startsWith("woke at 3200 with ");
    }

    /**
     * A Fork of twelve self-contained workflows with room for four child workflows at once: four
     * go out, the other eight are worked out by the run's own worker — and the run ends as on the
     * embedded engine.
     */
    @Test
    void beyondItsChildWorkflowBoundARunWorksRunsApartOutItself() throws Exception {
        String source = """
                $sum = 0
                Module Go {
                    $started = false
                    Tick [10ms] {
                        if not $started {
                            $started = true
                            Start Main [id: "main"]
                        }
                    }
                }
                Workflow Main [max_children: 12] {
                    Fork k in range(12) [max: 12] {
                        Run Part { k: k } -> p
                        return p
                    } Join all -> parts
                    for p in parts {
                        $sum += p
                    }
                }
                Workflow Part(k: Int) -> Int {
                    Sleep 1ms * (k * 37 % 11)
                    return k * 1000 + random_int(0, 999)
                }
                """;
        Plan plan = Compiler.compile(Baton.check("parts.baton", source));
        EngineOptions options = EngineOptions.defaults().withDuration(Duration.ofSeconds(2));
        RunReport embedded = new EmbeddedEngine(plan, options).run();
        TemporalEngine engine = new TemporalEngine(plan, Map.of(), options, temporal.target(), "default", true).withMaxChildWorkflows(4);
        RunReport onTemporal = engine.run();
        assertSame(embedded, onTemporal);
        assertThat(childWorkflows(engine.workflowId())).hasSize(4);
        assertThat(((Number) onTemporal.globals().get("sum")).longValue()).isGreaterThan(66_000);

        // no room at all: every run apart is worked out in the run's workflow
        TemporalEngine none = new TemporalEngine(plan, Map.of(), options, temporal.target(), "default", true).withMaxChildWorkflows(0);
        assertSame(embedded, none.run());
        assertThat(childWorkflows(none.workflowId())).isEmpty();
    }

    /** The child workflows started by {@code workflowId}, by id, with how many events each one's history has. */
    static Map<String, Long> childWorkflows(String workflowId) {
        io.temporal.serviceclient.WorkflowServiceStubs service = io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(
                io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
        try {
            io.temporal.client.WorkflowClient client = io.temporal.client.WorkflowClient.newInstance(service);
            Map<String, Long> out = new java.util.LinkedHashMap<>();
            client.fetchHistory(workflowId).getEvents().stream()
                    .filter(e -> e.hasStartChildWorkflowExecutionInitiatedEventAttributes())
                    .map(e -> e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId())
                    .forEach(id -> out.put(id, (long) client.fetchHistory(id).getEvents().size()));
            return out;
        } finally {
            service.shutdownNow();
        }
    }

    @Test
    void seedBossSync() throws Exception {
        both("seed-boss-sync.baton", Map.of(), EngineOptions.defaults().withDuration(Duration.ofSeconds(3)), 2);
    }
}
