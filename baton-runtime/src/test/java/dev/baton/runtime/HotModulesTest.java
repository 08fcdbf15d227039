package dev.baton.runtime;

import dev.baton.lang.Baton;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.internal.compile.HotModules;
import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.Stats;
import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.internal.exec.Hot;
import dev.baton.runtime.plan.Plan;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Hot modules: a module kept on the state store answers exactly as it does inside the run. */
class HotModulesTest {
    static Plan worldBoss() throws Exception {
        return Compiler.compile(Baton.check("world-boss.baton", Files.readString(Path.of("../examples/world-boss.baton"))),
                Map.of("players", "2000", "shards", "8", "boss_hp", "20000000", "attack_rate", "50000"));
    }

    static Plan example(String name) throws Exception {
        return Compiler.compile(Baton.check(name, Files.readString(Path.of("../examples", name))));
    }

    /**
     * Placement analyses walk each module once (they used to walk every module once per module:
     * 800 trivial modules took two minutes to check). A ring of 8,000 modules, each calling the
     * next, compiles and gets its verdicts; the bound is for a hang, far above what it needs.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void thousandsOfModulesAreAnalysedInOnePassEach() throws Exception {
        int n = 8_000;
        StringBuilder src = new StringBuilder();
        for (int i = 0; i < n; i++) {
            src.append("Module M").append(i).append(" [instances: ").append(i == 0 ? 1 : 2).append("] {\n    $x = 0\n    Bump(n: Int) /execute {\n")
                    .append("        $x += n\n        Call M").append((i + 1) % n).append(i == n - 1 ? "" : "[0]").append(".Bump { n: 1 }\n    }\n}\n");
        }
        dev.baton.lang.CheckResult checked = Baton.check("ring.baton", src.toString());
        assertThat(checked.hasErrors()).as(checked.diagnostics().toString()).isFalse();
        Plan plan = Compiler.compile(checked);
        assertThat(plan.modules).hasSize(n);
        Map<String, HotModules.Verdict> v = HotModules.of(checked, m -> plan.modules.get(plan.moduleIndex(m)).keys.size() == 1);
        assertThat(v).hasSize(n);
        assertThat(v.get("M0").callers()).containsExactly("M" + (n - 1));
        assertThat(v.get("M0").why()).startsWith("it calls M1.Bump");
        assertThat(v.get("M5").why()).isEqualTo("it has more than one instance");
    }

    @Test
    void theAuthoritiesOfTheBossExamplesCanLiveOnTheStoreAndTheOthersSayWhyNot() throws Exception {
        assertThat(worldBoss().storable).containsEntry("GlobalAuthority", Set.of("defeat", "global_boss_state"));
        assertThat(example("shard-sync.baton").storable).containsOnlyKeys("GlobalAuthority");
        assertThat(example("shard-sync.baton").hot).containsExactly("GlobalAuthority");
        assertThat(worldBoss().hot).as("the sagas' modules are storable, not hot").containsExactly("GlobalAuthority");
        String src = Files.readString(Path.of("../examples/seed-boss-sync.baton"));
        Map<String, HotModules.Verdict> seed = HotModules.of(Baton.check("seed-boss-sync.baton", src), m -> true);
        assertThat(seed.get("GlobalAuthority").why()).isEqualTo("it starts TriggerVictorySequence without an [id: …]");
        assertThat(seed.get("ShardBossController").why()).startsWith("it handles events");
        Map<String, HotModules.Verdict> wb = HotModules.of(Baton.check("world-boss.baton",
                Files.readString(Path.of("../examples/world-boss.baton"))), m -> !m.equals("ShardBossController"));
        assertThat(wb.get("ShardBossController").why()).isEqualTo("it has more than one instance");
        assertThat(wb.get("Payments").why()).isEqualTo("it uses random()");
        assertThat(wb.get("Director").why()).isEqualTo("it has a Tick");
    }

    @Test
    void aGlobalWrittenElsewhereOrAnUnnamedStartOrACallKeepsAModuleInTheRun() {
        String src = """
                version 1
                $a = 0
                $b = 0
                Module Owner {
                    Bump /execute -> Int {
                        $a += 1
                        return $a
                    }
                }
                Module Shared {
                    Bump /execute { $b += 1 }
                }
                Module Reader {
                    Peek /return -> Int { return $b }
                }
                Module Caller {
                    Go /execute { Call Owner.Bump }
                }
                Workflow W() { $b = 5 }
                """;
        Map<String, HotModules.Verdict> v = HotModules.of(Baton.check("t.baton", src), m -> true);
        assertThat(v.get("Owner").storable()).isTrue();
        assertThat(v.get("Owner").owns()).containsExactly("a");
        assertThat(v.get("Shared").why()).isEqualTo("it writes $b, which workflow W writes too");
        assertThat(v.get("Reader").why()).isEqualTo("it reads $b, which Shared writes");
        assertThat(v.get("Caller").why()).isEqualTo("it calls Owner.Bump");
    }

    /** Runs {@code plan} to {@code untilMs}, the modules in {@code hot} on {@code store} when it is given. */
    static Core run(Plan plan, long seed, String faults, Set<String> hot, HotStore store, long untilMs) {
        Core c = new Core(plan, seed, Faults.parse(faults), new PolicyProvider());
        c.start();
        if (store != null) c.setHot(Hot.local(new Hot.Hosts(plan, seed, new PolicyProvider()), store, "run", "w"), hot);
        for (long t = 100; t <= untilMs; t += 100) c.runUntil(t);
        return c;
    }

    static void assertSameRun(Core onStore, Core inside) {
        assertThat(onStore.traceHash()).isEqualTo(inside.traceHash());
        assertThat(onStore.stateDigest()).isEqualTo(inside.stateDigest());
        assertThat(String.valueOf(Json.toPlain(onStore.globals()))).isEqualTo(String.valueOf(Json.toPlain(inside.globals())));
        for (java.lang.reflect.Field counter : Stats.class.getFields()) {
            try {
                assertThat(counter.get(onStore.stats())).as(counter.getName()).isEqualTo(counter.get(inside.stats()));
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
        assertThat(onStore.errors()).isEqualTo(inside.errors());
        assertThat(onStore.failures()).isEqualTo(inside.failures());
        assertThat(onStore.workflowIds()).isEqualTo(inside.workflowIds());
    }

    @Test
    void theWorldBossWithItsAuthorityOnTheStoreEndsExactlyAsInsideTheRun() throws Exception {
        Plan plan = worldBoss();
        for (String faults : List.of("none", "duplicate=0.05,drop=0.01,delay=0.05", "spike=GlobalAuthority")) {
            HotStore.InMemory store = (HotStore.InMemory) HotStore.inMemory();
            Core onStore = run(plan, 7, faults, Set.of("GlobalAuthority"), store, 20_000);
            Core inside = run(plan, 7, faults, Set.of(), null, 20_000);
            assertSameRun(onStore, inside);
            assertThat(onStore.globals().get("defeat")).as("the boss fell (" + faults + ")").isNotNull();
            assertThat(Json.toPlain(onStore.globals().get("global_boss_state")).toString()).contains("status=defeated");
            assertThat(store.readRecord("run:GlobalAuthority").version()).as("a transaction per batch").isGreaterThan(50);
            assertThat(store.kept("run:GlobalAuthority", "w")).as("only the last batch's outcomes are kept").isEqualTo(1);
            if (faults.startsWith("duplicate")) assertThat(onStore.stats().callsDeduplicated).as("duplicates recognised on the store").isPositive();
        }
    }

    @Test
    void theStoreHoldsTheAuthoritysStateAndAnotherRunAttachedToItSeesIt() throws Exception {
        Plan plan = example("shard-sync.baton");
        HotStore store = HotStore.inMemory();
        Core onStore = run(plan, 3, "none", Set.of("GlobalAuthority"), store, 3_000);
        Core inside = run(plan, 3, "none", Set.of(), null, 3_000);
        assertSameRun(onStore, inside);
        // the record is the authority's state: a host loaded from it answers GetState with the run's HP
        Core reader = new Core(plan, 3, Faults.NONE, new PolicyProvider());
        reader.start();
        reader.setHot(Hot.local(new Hot.Hosts(plan, 3, new PolicyProvider()), store, "run", "reader"), Set.of("GlobalAuthority"));
        long handle = reader.callFromOutside("ops", plan.moduleIndex("GlobalAuthority"), dev.baton.runtime.value.None.NONE,
                plan.modules.get(plan.moduleIndex("GlobalAuthority")).endpointIndex("GetState"), dev.baton.runtime.value.Values.EMPTY_MAP);
        Object hp = reader.runUntilReply(handle, 1000);
        assertThat(hp).isEqualTo(((Map<?, ?>) Json.toPlain(inside.globals().get("global_boss_state"))).get("hp"));
        assertThat((Long) hp).isLessThan(500_000_000L);
    }

    @Test
    void shardSyncSpreadOverThreePartitionsEndsWithTheSameStateAndCountsAsOneRun() throws Exception {
        Plan plan = example("shard-sync.baton");
        assertThat(plan.split).containsExactly("ShardBossController");
        assertThat(plan.unsplittable).isNull();
        Core one = run(plan, 9, "none", Set.of(), null, 12_000);
        HotStore store = HotStore.inMemory();
        int n = 3;
        Core[] parts = new Core[n];
        for (int p = 0; p < n; p++) {
            parts[p] = new Core(plan, 9, Faults.NONE, new PolicyProvider());
            parts[p].start();
            parts[p].setPartition(p, n, plan.split);
            parts[p].setHot(Hot.local(new Hot.Hosts(plan, 9, new PolicyProvider()), store, "run", "p" + p), plan.hot);
        }
        // the partitions go at different paces: partition 2 runs far ahead, partition 0 behind
        long[] pace = {100, 300, 2_000};
        for (long t = 0; t < 12_000 + 2_000; t += 100) {
            for (int p = 0; p < n; p++) if (t % pace[p] == 0) parts[p].runUntil(Math.min(12_000, t + pace[p]));
        }
        for (int p = 1; p < n; p++) parts[0].absorbPartition(parts[p].partitionResult());
        parts[0].hotRefresh("GlobalAuthority", store.readRecord("run:GlobalAuthority").data());
        assertThat(String.valueOf(Json.toPlain(parts[0].globals()))).isEqualTo(String.valueOf(Json.toPlain(one.globals())));
        assertThat(String.valueOf(Json.toPlain(parts[0].moduleState("ShardBossController"))))
                .isEqualTo(String.valueOf(Json.toPlain(one.moduleState("ShardBossController"))));
        for (java.lang.reflect.Field counter : Stats.class.getFields()) {
            assertThat(counter.get(parts[0].stats())).as(counter.getName()).isEqualTo(counter.get(one.stats()));
        }
        assertThat(parts[0].workflowsByStatus()).isEqualTo(one.workflowsByStatus());
        assertThat(parts[0].eventCounts()).isEqualTo(one.eventCounts());
        assertThat(parts[0].errors()).isEmpty();
        for (int p = 1; p < n; p++) assertThat(parts[p].moduleState("ShardBossController")).as("partition " + p + " keeps its share").isNotEmpty();
    }

    @Test
    void theWorldBossCannotBeSpreadAndSaysWhy() throws Exception {
        Plan plan = worldBoss();
        assertThat(plan.split).isEmpty();
        assertThat(plan.unsplittable).isEqualTo("world-boss.baton:61:1: ShardBossController cannot be split: workflow TriggerVictorySequence calls it");
    }

    /** A store whose commits fail now and then: before writing (the request lost) or after (the answer lost). */
    static final class FlakyStore implements HotStore {
        final HotStore.InMemory inner = (HotStore.InMemory) HotStore.inMemory();
        int commits;
        int lostRequests;
        int lostAnswers;

        @Override
        public Versioned readRecord(String key) {
            return inner.readRecord(key);
        }

        @Override
        public byte[] outcomes(String key, String writer, long batch) {
            return inner.outcomes(key, writer, batch);
        }

        @Override
        public boolean commit(String key, long expected, byte[] data, String writer, long batch, byte[] outcomes, long oldest) {
            commits++;
            if (commits % 5 == 0) {
                lostRequests++;
                throw new IllegalStateException("connection reset (before the commit)");
            }
            boolean done = inner.commit(key, expected, data, writer, batch, outcomes, oldest);
            if (commits % 7 == 0) {
                lostAnswers++;
                throw new IllegalStateException("connection reset (after the commit)");
            }
            return done;
        }
    }

    @Test
    void aCommitThatFailsBeforeOrAfterWritingIsRetriedWithoutApplyingAnyCallTwice() throws Exception {
        Plan plan = worldBoss();
        FlakyStore store = new FlakyStore();
        Hot.Hosts hosts = new Hot.Hosts(plan, 3, new PolicyProvider());
        Core c = new Core(plan, 3, Faults.NONE, new PolicyProvider());
        c.start();
        // as a local activity is retried: the same batch again until it answers
        c.setHot(batch -> {
            while (true) {
                try {
                    return hosts.run(store, "run", "w", Hot.batchNumber(batch), batch);
                } catch (IllegalStateException retried) {
                    // again
                }
            }
        }, Set.of("GlobalAuthority"));
        for (long t = 100; t <= 20_000; t += 100) c.runUntil(t);
        assertSameRun(c, run(plan, 3, "none", Set.of(), null, 20_000));
        assertThat(store.lostRequests).isPositive();
        assertThat(store.lostAnswers).isPositive();
    }

    /** Answers nothing until released; computes each batch on the store at once (as a worker that died before telling). */
    static final class LateRunner implements Hot.Runner {
        final Hot.Hosts hosts;
        final HotStore store;
        final List<byte[]> asked = new ArrayList<>();

        LateRunner(Hot.Hosts hosts, HotStore store) {
            this.hosts = hosts;
            this.store = store;
        }

        @Override
        public byte[] run(byte[] batch) {
            asked.add(batch);
            hosts.run(store, "run", "w", 0, batch);
            return null;
        }
    }

    @Test
    void aBatchSentAgainAfterARestoreIsAnsweredFromTheStoreNotAppliedTwice() throws Exception {
        Plan plan = worldBoss();
        HotStore store = HotStore.inMemory();
        Hot.Hosts hosts = new Hot.Hosts(plan, 5, new PolicyProvider());
        Core c = new Core(plan, 5, Faults.parse("duplicate=0.05"), new PolicyProvider());
        c.start();
        LateRunner late = new LateRunner(hosts, store);
        c.setHot(late, Set.of("GlobalAuthority"));
        int restores = 0;
        for (long t = 100; t <= 20_000; t += 100) {
            while (true) {
                c.runUntil(t);
                if (!c.heldOnHot()) break;
                if (late.asked.size() % 7 == 3) {
                    // the core is lost before it hears the outcome: its last snapshot goes on, and sends the batch again
                    c = CoreCodec.copy(c);
                    late = new LateRunner(hosts, store);
                    c.setHot(late, Set.of("GlobalAuthority"));
                    restores++;
                    continue;
                }
                c.hotTold(hosts.run(store, "run", "w", 0, c.hotWaiting()));
            }
        }
        Core inside = run(plan, 5, "duplicate=0.05", Set.of(), null, 20_000);
        assertSameRun(c, inside);
        assertThat(restores).isGreaterThan(5);
    }
}
