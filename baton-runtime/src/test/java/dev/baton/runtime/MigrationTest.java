package dev.baton.runtime;

import dev.baton.runtime.internal.journal.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run moves to a new version of its program: module state transformed by the Migration's
 * blocks, new state and globals initialised, suspended workflows moved where their code did not
 * change — all or nothing, refused with positions otherwise, and redone after a crash before it
 * was durable.
 */
class MigrationTest {
    static final String V1 = """
            version 1

            $season = 1

            Event Game.Score { player: String, points: Int }

            Module Board [instances: 2] {
                $points: Map<Int> = {}

                ON (Game.Score) [route: hash({player}) % 2] {
                    $points[{player}] = get($points, {player}, 0) + {points}
                }
            }

            Workflow Quest(player: String) {
                Sleep 20s
                Emit Game.Score { player: player, points: 100 }
            }

            Module Go {
                $t = 0

                Tick [10ms] {
                    $t += 1
                    if $t <= 10 {
                        Emit Game.Score { player: "p" + str($t), points: $t }
                        Start Quest { player: "p" + str($t) } [id: "quest-" + str($t)]
                    }
                }
            }
            """;

    /** Version 2: a bonus on every score from now on, and each board counts its players. */
    static final String V2 = V1.replace("version 1", "version 2")
            .replace("$season = 1\n", "$season = 1\n\n$bonus = 10\n")
            .replace("    $points: Map<Int> = {}\n", "    $points: Map<Int> = {}\n    $players = 0\n")
            .replace("get($points, {player}, 0) + {points}", "get($points, {player}, 0) + {points} + $bonus")
            + """

            Migration from 1 {
                Module Board {
                    $players = len($points)
                }
            }
            """;

    private static final Duration LENGTH = Duration.ofSeconds(30);

    /** Runs version 1 until it has started its quests and stopped, resumable, while they sleep. */
    private static void runV1Midway(Path dir) throws IOException {
        AtomicInteger slices = new AtomicInteger();
        try {
            new EmbeddedEngine(Programs.plan(V1), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir).withSnapshotEvery(Duration.ofMillis(200))
                    .withStop(() -> slices.incrementAndGet() > 40)).run();
            throw new AssertionError("version 1 ran to its end: nothing left to migrate");
        } catch (EmbeddedEngine.Stopped stopped) {
            // stopped with its quests asleep
        }
    }

    @SuppressWarnings("unchecked")
    private static void assertMoved(RunReport r) {
        assertThat(r.resumed()).isTrue();
        assertThat(r.workflows()).containsExactly(Map.entry("COMPLETED", 10L));
        Map<String, Object> board = r.modules().get("Board");
        // each board counted the players it had when the run moved; each quest's score came with the bonus
        assertThat(board.get("sum(players)")).isEqualTo(10L);
        assertThat(r.globals()).containsEntry("bonus", 10L);
        long points = 0;
        for (int t = 1; t <= 10; t++) points += t + 100 + 10;
        assertThat(board).containsEntry("entries(points)", 10L);
        assertThat(r.errors()).isEmpty();
        assertThat(points).isEqualTo(1155);
    }

    @Test
    void aNewVersionMovesStateAndSuspendedWorkflowsAndRunsOn(@TempDir Path dir) throws IOException {
        runV1Midway(dir.resolve("d"));
        List<String> notes = new java.util.ArrayList<>();
        RunReport r = new EmbeddedEngine(Programs.plan(V2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))
                .withNotices(notes::add)).run();
        assertMoved(r);
        assertThat(notes).anySatisfy(n -> assertThat(n).startsWith("moved the run from version 1 to version 2 at ").contains("10 suspended fiber(s)")
                .contains("Migration blocks run for [Board]"));
        List<String> log = Files.readAllLines(dir.resolve("d/migrations.log"));
        assertThat(log).singleElement().asString().contains("\"from\":1").contains("\"to\":2").contains("\"suspended\":10");
        assertThat(Durability.meta(dir.resolve("d")).getProperty("version")).isEqualTo("2");
        assertThat(Durability.meta(dir.resolve("d")).getProperty("migrating_from")).isNull();
    }

    @Test
    void theScoresAfterTheMoveCarryTheBonusAndThoseBeforeDoNot(@TempDir Path dir) throws IOException {
        runV1Midway(dir.resolve("d"));
        new EmbeddedEngine(Programs.plan(V2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run();
        // the finished run's instances, read back from its last snapshot
        Map<String, Long> points = points(dir.resolve("d"), V2);
        for (int t = 1; t <= 10; t++) assertThat(points).containsEntry("p" + t, t + 100L + 10L);
    }

    /** Each player's points on the boards of the finished run in {@code dir}, read back from its last snapshot under {@code program}. */
    private static Map<String, Long> points(Path dir, String program) throws IOException {
        Durability d = Durability.open(dir, Programs.plan(program), EngineOptions.defaults().withDuration(LENGTH));
        dev.baton.runtime.internal.exec.Core core;
        try {
            core = d.restore(Programs.plan(program), EngineOptions.defaults().withDuration(LENGTH));
        } finally {
            d.close();
        }
        Map<String, Long> points = new java.util.TreeMap<>();
        core.moduleState("Board").values().forEach(s -> ((Map<?, ?>) s.get("points")).forEach((k, v) -> points.put((String) k, ((Number) v).longValue())));
        return points;
    }

    @Test
    void aWorkflowWaitingInCodeThatChangedRefusesTheWholeMoveWithItsPosition(@TempDir Path dir) throws IOException {
        runV1Midway(dir.resolve("d"));
        String changed = V2.replace("Sleep 20s", "Sleep 25s");
        assertThatThrownBy(() -> new EmbeddedEngine(Programs.plan(changed), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot move from version 1 to version 2, so nothing moved")
                .hasMessageContaining("workflow quest-1 waits at test.baton:16:5 (Sleep")
                .hasMessageContaining("workflow quest-10 waits at");
        // nothing moved: the run resumes under version 1 and ends as version 1 would
        RunReport r = new EmbeddedEngine(Programs.plan(V1), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run();
        assertThat(r.resumed()).isTrue();
        assertThat(r.workflows()).containsExactly(Map.entry("COMPLETED", 10L));
        assertThat(r.globals()).doesNotContainKey("bonus");
        assertThat(Files.exists(dir.resolve("d/migrations.log"))).isFalse();
    }

    @Test
    void aChangeWithoutANewVersionOrWithoutAMigrationIsRefusedSayingSo(@TempDir Path dir) throws IOException {
        runV1Midway(dir.resolve("d"));
        String noBump = V1.replace("+ {points}", "+ {points} + 1");
        assertThatThrownBy(() -> new EmbeddedEngine(Programs.plan(noBump), EngineOptions.defaults().withDataDir(dir.resolve("d"))).run())
                .hasMessageContaining("meaning has changed since (changed: Module Board)")
                .hasMessageContaining("the new program is still version 1");
        String noMigration = V2.substring(0, V2.indexOf("Migration from 1"));
        assertThatThrownBy(() -> new EmbeddedEngine(Programs.plan(noMigration), EngineOptions.defaults().withDataDir(dir.resolve("d"))).run())
                .hasMessageContaining("version 2 has no Migration from 1");
    }

    @Test
    void aMoveCutShortBeforeItWasDurableIsDoneAgainOnTheNextStart(@TempDir Path dir) throws IOException {
        runV1Midway(dir.resolve("d"));
        // the process dies after meta said "moving" and before the moved run's snapshot: open, then nothing
        Durability.open(dir.resolve("d"), Programs.plan(V2), EngineOptions.defaults().withDuration(LENGTH)).close();
        assertThat(Durability.meta(dir.resolve("d")).getProperty("migrating_from")).isNotNull();
        assertThatThrownBy(() -> new EmbeddedEngine(Programs.plan(V1), EngineOptions.defaults().withDataDir(dir.resolve("d"))).run())
                .hasMessageContaining("is moving its run to version 2");
        RunReport r = new EmbeddedEngine(Programs.plan(V2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run();
        assertMoved(r);
        assertThat(Files.readAllLines(dir.resolve("d/migrations.log"))).hasSize(1);
    }

    @Test
    void aMoveWhoseSnapshotWasWrittenButNotYetRecordedIsNotDoneTwice(@TempDir Path dir) throws IOException {
        runV1Midway(dir.resolve("d"));
        java.util.Properties before = Durability.meta(dir.resolve("d"));
        AtomicInteger slices = new AtomicInteger();
        try {
            new EmbeddedEngine(Programs.plan(V2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))
                    .withStop(() -> slices.incrementAndGet() > 1)).run();
        } catch (EmbeddedEngine.Stopped stopped) {
            // moved, then stopped at once
        }
        // the process dies after the moved run's snapshot and before meta said the move was done
        java.util.Properties meta = Durability.meta(dir.resolve("d"));
        meta.setProperty("migrating_from", before.getProperty("digest"));
        meta.setProperty("migrating_meaning", before.getProperty("meaning"));
        meta.setProperty("migrating_declarations", before.getProperty("declarations"));
        try (var out = Files.newOutputStream(dir.resolve("d/meta.properties"))) {
            meta.store(out, null);
        }
        RunReport r = new EmbeddedEngine(Programs.plan(V2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run();
        assertMoved(r);
        assertThat(Files.readAllLines(dir.resolve("d/migrations.log"))).as("moved once").hasSize(1);
    }

    @Test
    void aWorkflowWaitingInChangedCodeMovesToTheSameStatementWithItsLocals(@TempDir Path dir) throws IOException {
        runV1Midway(dir.resolve("d"));
        // the quest's code changes after the statement its runs wait at: they go on in the new code
        String changed = V2.replace("    Emit Game.Score { player: player, points: 100 }\n",
                "    let reward = 200\n    Emit Game.Score { player: player, points: reward }\n");
        assertThat(changed).isNotEqualTo(V2);
        List<String> notes = new java.util.ArrayList<>();
        RunReport r = new EmbeddedEngine(Programs.plan(changed), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))
                .withNotices(notes::add)).run();
        assertThat(r.workflows()).containsExactly(Map.entry("COMPLETED", 10L));
        assertThat(Files.readString(dir.resolve("d/migrations.log"))).contains("\"positions_mapped\":10");
        Map<String, Long> points = points(dir.resolve("d"), changed);
        // each quest's player (a local moved by name) got the new code's reward, with the bonus
        for (int t = 1; t <= 10; t++) assertThat(points).containsEntry("p" + t, t + 200L + 10L);
    }

    /** Workflows waiting for an event, in a saga's step and in a fork's branches, in code that did not change. */
    static final String WAITS = """

            Event Game.Bell {}

            Workflow Watch {
                Await Game.Bell [timeout: 60s] -> bell
                Emit Game.Score { player: "watch", points: 1 }
            }

            Workflow Pay {
                Saga {
                    Step Hold {
                        Sleep 20s
                    } Compensate {
                        Emit Game.Score { player: "refund", points: 1 }
                    }
                } -> outcome
                Emit Game.Score { player: "pay", points: 2 }
            }

            Workflow Split {
                Fork {
                    Branch a {
                        Sleep 20s
                        return 1
                    }
                    Branch b {
                        Sleep 21s
                        return 2
                    }
                } Join all -> r
                Emit Game.Score { player: "split", points: len(r) + 1 }
            }

            Module Bellman {
                $t = 0

                Tick [10ms] {
                    $t += 1
                    if $t == 1 {
                        Start Watch [id: "watch"]
                        Start Pay [id: "pay"]
                        Start Split [id: "split"]
                    }
                    if $t == 2500 {
                        Emit Game.Bell {}
                    }
                }
            }
            """;

    @Test
    void workflowsInAwaitASagaStepAndAForkMoveAndFinishInTheNewVersion(@TempDir Path dir) throws IOException {
        String v1 = V1 + WAITS;
        String v2 = V2.replace("Migration from 1", WAITS.strip() + "\n\nMigration from 1");
        AtomicInteger slices = new AtomicInteger();
        try {
            new EmbeddedEngine(Programs.plan(v1), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))
                    .withStop(() -> slices.incrementAndGet() > 40)).run();
        } catch (EmbeddedEngine.Stopped stopped) {
            // waiting
        }
        RunReport r = new EmbeddedEngine(Programs.plan(v2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run();
        assertThat(r.workflows()).containsExactly(Map.entry("COMPLETED", 13L));
        assertThat(Files.readString(dir.resolve("d/migrations.log"))).contains("\"suspended\":15"); // 10 quests, watch, pay, split and its 2 branches
        Map<String, Long> points = points(dir.resolve("d"), v2);
        assertThat(points).containsEntry("watch", 11L).containsEntry("pay", 12L).containsEntry("split", 13L).doesNotContainKey("refund");
    }

    /** A workflow that goes round a loop, asleep in it at each lap. */
    static final String PATROL = """

            Workflow Patrol {
                for lap in range(5) {
                    Sleep 4s
                    Emit Game.Score { player: "v1-" + str(lap), points: 1 }
                }
            }

            Module Tower {
                $t = 0

                Tick [10ms] {
                    $t += 1
                    if $t == 1 {
                        Start Patrol [id: "patrol"]
                    }
                }
            }
            """;

    /**
     * A workflow asleep inside a {@code for} whose body changed moves to the same statement in the
     * new loop and goes on from the lap it was at: each lap runs once, those before the move under
     * version 1 and the rest under version 2. A version whose loop header changed, or whose Sleep
     * left the loop, is refused saying so.
     */
    @Test
    void aWorkflowWaitingInsideALoopOfChangedCodeGoesOnFromTheSameLap(@TempDir Path dir) throws IOException {
        String v1 = V1 + PATROL;
        AtomicInteger slices = new AtomicInteger();
        try {
            new EmbeddedEngine(Programs.plan(v1), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))
                    .withStop(() -> slices.incrementAndGet() > 950)).run(); // 10ms slices: stopped at about 9.5s of engine time
            throw new AssertionError("version 1 ran to its end");
        } catch (EmbeddedEngine.Stopped stopped) {
            // the patrol is asleep in one of its laps
        }
        String v2 = V2.replace("Migration from 1", PATROL.replace("\"v1-\"", "\"v2-\"").strip() + "\n\nMigration from 1");
        assertThat(v2).contains("player: \"v2-\" + str(lap)");

        String longer = v2.replace("range(5)", "range(6)");
        assertThatThrownBy(() -> new EmbeddedEngine(Programs.plan(longer), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run())
                .isInstanceOf(IOException.class).hasMessageContaining("workflow patrol waits at")
                .hasMessageContaining("the loop it waits in is not in the new code once");
        String outside = v2.replace("        Sleep 4s\n        Emit Game.Score { player: \"v2-\"", "        Emit Game.Score { player: \"v2-\"")
                .replace("    for lap in range(5) {", "    Sleep 4s\n    for lap in range(5) {");
        assertThat(outside).isNotEqualTo(v2);
        assertThatThrownBy(() -> new EmbeddedEngine(Programs.plan(outside), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run())
                .isInstanceOf(IOException.class).hasMessageContaining("is no longer inside the loop at test.baton:");

        RunReport r = new EmbeddedEngine(Programs.plan(v2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run();
        assertThat(r.workflows()).containsEntry("COMPLETED", 11L);
        assertThat(Files.readString(dir.resolve("d/migrations.log"))).contains("\"positions_mapped\":1");
        Map<String, Long> points = points(dir.resolve("d"), v2);
        List<String> laps = new java.util.ArrayList<>();
        for (String k : points.keySet()) if (k.startsWith("v1-") || k.startsWith("v2-")) laps.add(k);
        int moved = (int) laps.stream().filter(k -> k.startsWith("v1-")).count();
        assertThat(moved).as("laps run before the move: %s", laps).isBetween(1, 4);
        List<String> expected = new java.util.ArrayList<>();
        for (int lap = 0; lap < 5; lap++) expected.add((lap < moved ? "v1-" : "v2-") + lap);
        assertThat(laps).as("each lap once, in order, the rest under the new code").containsExactlyInAnyOrderElementsOf(expected);
        for (String k : laps) assertThat(points.get(k)).isEqualTo(k.startsWith("v2-") ? 11L : 1L); // version 2 adds its bonus
    }

    @Test
    void aWorkflowBlockGivesMovedWorkflowsTheLocalsTheNewCodeExpects(@TempDir Path dir) throws IOException {
        runV1Midway(dir.resolve("d"));
        // version 2's quest sets its reward before it sleeps: the quests already asleep never ran that line, so
        // the Migration gives them one
        String changed = V2.replace("    Sleep 20s\n    Emit Game.Score { player: player, points: 100 }\n",
                "    let reward = 200\n    Sleep 20s\n    Emit Game.Score { player: player, points: reward }\n")
                .replace("Migration from 1 {\n", "Migration from 1 {\n    Workflow Quest {\n        let reward = 150\n    }\n\n");
        assertThat(changed).contains("let reward = 150").contains("points: reward");
        new EmbeddedEngine(Programs.plan(changed), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run();
        assertThat(Files.readString(dir.resolve("d/migrations.log"))).contains("\"workflow_blocks_run\":10").contains("\"positions_mapped\":10");
        Map<String, Long> points = points(dir.resolve("d"), changed);
        for (int t = 1; t <= 10; t++) assertThat(points).containsEntry("p" + t, t + 150L + 10L);
    }

    /** A quest asks a self-contained workflow, run apart, for its points; version 2's Score gives a thousand times more. */
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
                Sleep 5s
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
                    if $t <= 10 or $t == 300 {
                        Start Quest { player: "p" + str($t), n: $t } [id: "quest-" + str($t)]
                    }
                }
            }
            """;

    static final String APART_V2 = APART_V1.replace("version 1", "version 2").replace("    return n\n", "    return n * 1000\n")
            + "\nMigration from 1 {\n}\n";

    /** Stops a run of {@code program} in {@code dir} after {@code slices} slices of 10 ms. */
    private static void runUntilStopped(String program, Path dir, int slices) throws IOException {
        AtomicInteger n = new AtomicInteger();
        try {
            new EmbeddedEngine(Programs.plan(program), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir).withSnapshotEvery(Duration.ofMillis(200))
                    .withStop(() -> n.incrementAndGet() > slices)).run();
            throw new AssertionError("the run ended before it was stopped");
        } catch (EmbeddedEngine.Stopped stopped) {
            // stopped midway, resumable
        }
    }

    @Test
    void workflowsRunningApartFinishUnderTheVersionTheyStartedInAndLaterOnesRunTheNewCode(@TempDir Path dir) throws IOException {
        assertThat(APART_V2).contains("return n * 1000");
        // the ten Scores run apart, asleep, when the run moves (at about 0.4 s of engine time); quest-300 starts at 3 s
        runUntilStopped(APART_V1, dir.resolve("d"), 40);
        List<String> notes = new java.util.ArrayList<>();
        RunReport r = new EmbeddedEngine(Programs.plan(APART_V2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))
                .withNotices(notes::add)).run();
        assertThat(notes).anySatisfy(n -> assertThat(n).startsWith("moved the run from version 1 to version 2"));
        assertThat(Files.readString(dir.resolve("d/migrations.log"))).contains("\"runs_apart_on_their_version\":10");
        assertThat(r.workflows()).containsEntry("COMPLETED", 22L);
        assertThat(r.errors()).isEmpty();
        Map<String, Long> points = points(dir.resolve("d"), APART_V2);
        for (int t = 1; t <= 10; t++) assertThat(points).as("quest-%d's Score ran apart under version 1", t).containsEntry("p" + t, (long) t);
        assertThat(points).as("a Score started after the move runs version 2").containsEntry("p300", 300_000L);
        assertThat(points).hasSize(11);
    }

    @Test
    void aRunWhoseWorkflowsRunApartUnderTheOldVersionResumesAfterAStopAsIfUninterrupted(@TempDir Path dir) throws IOException {
        runUntilStopped(APART_V1, dir.resolve("d"), 40);
        // moved, then stopped again while the Scores still sleep under version 1: its snapshots name that version's program
        runUntilStopped(APART_V2, dir.resolve("d"), 100);
        RunReport resumed = new EmbeddedEngine(Programs.plan(APART_V2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run();
        assertThat(resumed.resumed()).isTrue();

        runUntilStopped(APART_V1, dir.resolve("e"), 40);
        RunReport once = new EmbeddedEngine(Programs.plan(APART_V2), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("e"))).run();
        assertThat(resumed.traceHash()).isEqualTo(once.traceHash());
        assertThat(points(dir.resolve("d"), APART_V2)).isEqualTo(points(dir.resolve("e"), APART_V2)).containsEntry("p1", 1L).containsEntry("p300", 300_000L);
    }

    @Test
    void aNewVersionThatChangesWhatAWorkflowRunningApartReturnsIsRefused(@TempDir Path dir) throws IOException {
        runUntilStopped(APART_V1, dir.resolve("d"), 40);
        String other = APART_V2.replace("Workflow Score(n: Int) -> Int {", "Workflow Score(n: Int) -> Float {")
                .replace("return n * 1000", "return n * 1000.0")
                .replace("Emit Game.Score { player: player, points: s }", "Emit Game.Score { player: player, points: floor(s) }");
        assertThat(other).contains("-> Float").contains("floor(s)");
        assertThatThrownBy(() -> new EmbeddedEngine(Programs.plan(other), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run())
                .isInstanceOf(IOException.class).hasMessageContaining("cannot move from version 1 to version 2, so nothing moved")
                .hasMessageContaining("workflow quest-1/Score-1 runs apart under version 1, and version 2 changes what Score returns (Int, now Float)");
        // nothing moved: version 1 goes on
        RunReport r = new EmbeddedEngine(Programs.plan(APART_V1), EngineOptions.defaults().withDuration(LENGTH).withDataDir(dir.resolve("d"))).run();
        assertThat(r.workflows()).containsEntry("COMPLETED", 22L);
        assertThat(points(dir.resolve("d"), APART_V1)).containsEntry("p300", 300L);
    }

    private static final Map<String, String> SMALL_BOSS = Map.of("players", "2000", "shards", "5", "boss_hp", "20000000", "attack_rate", "50000");

    private static dev.baton.runtime.plan.Plan boss(String text) {
        dev.baton.lang.CheckResult checked = dev.baton.lang.Baton.check("world-boss.baton", text);
        assertThat(checked.hasErrors()).as(checked.diagnostics().toString()).isFalse();
        try {
            return dev.baton.runtime.internal.compile.Compiler.compile(checked, SMALL_BOSS);
        } catch (dev.baton.runtime.internal.compile.Compiler.PlanException e) {
            throw new AssertionError(e.getMessage());
        }
    }

    /** Version 2 of the world boss: each shard counts its pushes from now on; the authority (a module that could live on the state store) unchanged. */
    private static String bossV2() throws IOException {
        String v1 = Files.readString(Path.of("../examples/world-boss.baton"));
        String v2 = v1.replace("version 1", "version 2")
                .replace("    $local_boss_view: BossState? = none\n", "    $local_boss_view: BossState? = none\n    $pushes = 0\n")
                .replace("            $local_damage_buffer = 0\n", "            $local_damage_buffer = 0\n            $pushes += 1\n")
                + "\nMigration from 1 {\n    Module ShardBossController {\n        $pushes = 0\n    }\n}\n";
        assertThat(v2).contains("$pushes += 1").contains("$pushes = 0\n    }");
        return v2;
    }

    @Test
    void theWorldBossMovesToANewVersionMidFightWithEveryInvariantTrue(@TempDir Path dir) throws IOException {
        String v1 = Files.readString(Path.of("../examples/world-boss.baton"));
        assertThat(boss(v1).hot).as("a module that could live on the state store does not keep a run inside one from moving")
                .containsExactly("GlobalAuthority");
        AtomicInteger slices = new AtomicInteger();
        try {
            new EmbeddedEngine(boss(v1), EngineOptions.defaults().withDataDir(dir.resolve("d")).withSnapshotEvery(Duration.ofMillis(200))
                    .withStop(() -> slices.incrementAndGet() > 100)).run();
            throw new AssertionError("the fight ended before the move");
        } catch (EmbeddedEngine.Stopped stopped) {
            // one second into the fight
        }
        RunReport r = new EmbeddedEngine(boss(bossV2()), EngineOptions.defaults().withDataDir(dir.resolve("d"))).run();
        assertThat(r.resumed()).isTrue();
        assertThat(Files.readString(dir.resolve("d/migrations.log"))).contains("\"from\":1").contains("\"module_blocks\":[\"ShardBossController\"]");
        assertThat(r.report().get("invariants")).isEqualTo(Map.of("hp_accounting_exact", true, "victory_once", true, "rewards_exactly_once", true,
                "payments_settled_once", true));
        assertThat(r.report().get("victory_triggered")).isEqualTo(1L);
        assertThat(((Number) r.modules().get("ShardBossController").get("sum(pushes)")).longValue()).as("pushes counted after the move").isPositive();
    }

    @Test
    void aModuleTheRunKeepsOnTheStateStoreMustBeUnchangedByTheNewVersion() throws Exception {
        String v1 = Files.readString(Path.of("../examples/world-boss.baton"));
        dev.baton.runtime.internal.exec.Core core = new dev.baton.runtime.internal.exec.Core(boss(v1), 1, Faults.parse(""), EngineOptions.defaults().decisions());
        core.setHot(batch -> null, List.of("GlobalAuthority"));
        core.start();
        String v2 = bossV2();
        String changed = v2.replace("        $applied += delta\n", "        $applied += delta * 1\n");
        assertThat(changed).isNotEqualTo(v2);
        assertThatThrownBy(() -> dev.baton.runtime.internal.exec.Migrator.migrate(core, boss(changed)))
                .isInstanceOf(dev.baton.runtime.internal.exec.Migrator.Refused.class)
                .hasMessageContaining("module GlobalAuthority lives on the state store in this run, and version 2 changes it: a migration does not"
                        + " rewrite its record there");
        String owned = v2.replace("$defeat = { triggered: 0, at: 0, version: 0 }", "$defeat = { triggered: 0, at: 0, version: 1 }");
        assertThat(owned).isNotEqualTo(v2);
        assertThatThrownBy(() -> dev.baton.runtime.internal.exec.Migrator.migrate(core, boss(owned)))
                .isInstanceOf(dev.baton.runtime.internal.exec.Migrator.Refused.class)
                .hasMessageContaining("version 2 changes $defeat, which it owns");
        String block = v2.replace("Migration from 1 {\n", "Migration from 1 {\n    Module GlobalAuthority {\n        $applied = 0\n    }\n");
        assertThatThrownBy(() -> dev.baton.runtime.internal.exec.Migrator.migrate(core, boss(block)))
                .isInstanceOf(dev.baton.runtime.internal.exec.Migrator.Refused.class).hasMessageContaining("the Migration has a block for it");
        assertThat(dev.baton.runtime.internal.exec.Migrator.migrate(core, boss(v2)).summary()).containsEntry("to", 2L);
    }
}
