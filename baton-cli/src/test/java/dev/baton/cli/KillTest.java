package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash safety, tested by crashing: a real {@code baton run} process is killed with SIGKILL at
 * random moments and started again on the same data directory.
 */
class KillTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String BOSS = """
            Event Player.AttackBoss { player_id: String, shard: Int [0..], damage_amount: Int [0..1000] }
            $boss = { hp: 2_000_000_000, version: 0 }
            Module Shard [instances: 16] {
                $buffer = 0
                $pushed = 0
                $seq = 0
                ON (Player.AttackBoss) [route: {shard}] {
                    $buffer += {damage_amount}
                }
                Tick [100ms] {
                    if $buffer > 0 {
                        $seq += 1
                        Call Authority.ApplyDamage { delta: $buffer, seq: $seq }
                        $pushed += $buffer
                        $buffer = 0
                    }
                }
            }
            Module Authority {
                $applied = 0
                ApplyDamage(delta: Int, seq: Int) /execute {
                    $boss.hp -= delta min 0
                    $boss.version += 1
                    $applied += delta
                }
            }
            Load Attacks [population: 5_000, rate: 500_000, total: 20_000_000] {
                Emit Player.AttackBoss { player_id: "p" + str(actor), shard: actor % 16, damage_amount: random_int(1, 9) }
            }
            """;

    @Test
    void killedAndResumedRunsEndExactlyLikeAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("boss.baton"), BOSS);
        JsonNode reference = finish(dir, "ref");
        Random rnd = new Random(20261127);
        int kills = 0;
        for (int attempt = 0; attempt < 30 && kills < 12; attempt++) {
            Process p = ChildProcess.start(dir, "run", "boss.baton", "--data-dir", "crashy", "--snapshot-every", "100ms",
                    "--report", "json", "--no-progress");
            if (!killAfterProgress(p, dir.resolve("crashy"), rnd)) break;
            kills++;
        }
        assertThat(kills).as("runs killed mid-way").isGreaterThanOrEqualTo(10);
        JsonNode resumed = finish(dir, "crashy");
        assertThat(resumed.get("traceHash").asText()).isEqualTo(reference.get("traceHash").asText());
        assertThat(resumed.get("globals")).isEqualTo(reference.get("globals"));
        assertThat(resumed.get("modules")).isEqualTo(reference.get("modules"));
        assertThat(resumed.get("modules").get("Authority").get("applied").asLong())
                .isEqualTo(resumed.get("modules").get("Shard").get("sum(pushed)").asLong());
        assertThat(resumed.get("counters").get("load_events").asLong()).isEqualTo(20_000_000L);
    }

    private static JsonNode finish(Path dir, String dataDir) throws Exception {
        Process p = ChildProcess.start(dir, "run", "boss.baton", "--data-dir", dataDir, "--snapshot-every", "100ms", "--report", "json",
                "--no-progress");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return JSON.readTree(out);
    }

    static final String LEDGER = """
            Event Bank.Deposit { account: Int [0..9], amount: Int [1..1000] }
            $total = 0
            Module Accounts [instances: 10] {
                $balance = 0
                ON (Bank.Deposit) [route: {account}] {
                    $balance += {amount}
                    $total += {amount}
                }
            }
            """;

    @Test
    void everyAcknowledgedEventIsAppliedExactlyOnceAcrossKills(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ledger.baton"), LEDGER);
        int n = 8000;
        Random rnd = new Random(7);
        int[] account = new int[n + 1];
        int[] amount = new int[n + 1];
        long[] expected = new long[10];
        for (int i = 1; i <= n; i++) {
            account[i] = rnd.nextInt(10);
            amount[i] = 1 + rnd.nextInt(1000);
            expected[account[i]] += amount[i];
        }
        long acked = 0;
        int kills = 0;
        while (kills < 10) {
            Process p = ChildProcess.startMerged(dir, "run", "ledger.baton", "--data-dir", "data", "--events", "-", "--report", "json");
            AtomicLong highest = new AtomicLong(acked);
            Thread reader = ackReader(p, highest);
            // resend from a little before the last acknowledgement: duplicates must be ignored
            long from = Math.max(1, acked - 20);
            long until = Math.min(n, from + 150 + rnd.nextInt(250));
            try (OutputStream in = p.getOutputStream()) {
                for (long s = from; s <= until; s++) {
                    in.write(event(s, account[(int) s], amount[(int) s]));
                    if (s % 50 == 0) {
                        in.flush();
                        Thread.sleep(5);
                    }
                }
                in.flush();
                // kill at a random moment once the engine is up and has taken some of the stream
                long deadline = System.currentTimeMillis() + 120_000; // a bound for a hang: it waits for observed progress
                while (highest.get() <= acked && System.currentTimeMillis() < deadline) Thread.sleep(5);
                Thread.sleep(rnd.nextInt(30));
                ChildProcess.kill9(p);
                kills++;
            } catch (IOException brokenPipe) {
                ChildProcess.kill9(p);
                kills++;
            }
            reader.join(2000);
            acked = Math.max(acked, highest.get());
        }
        // the last run gets everything not yet acknowledged, then end of input
        Process p = ChildProcess.startMerged(dir, "run", "ledger.baton", "--data-dir", "data", "--events", "-", "--report", "json");
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) out.append(line).append('\n');
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        try (OutputStream in = p.getOutputStream()) {
            for (long s = Math.max(1, acked - 20); s <= n; s++) in.write(event(s, account[(int) s], amount[(int) s]));
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        reader.join();
        String text = out.toString();
        JsonNode report = JSON.readTree(text.substring(text.indexOf('{')));
        long total = 0;
        for (long e : expected) total += e;
        assertThat(kills).isEqualTo(10);
        assertThat(acked).as("earlier runs acknowledged part of the stream").isGreaterThan(0).isLessThan(n);
        assertThat(report.get("globals").get("total").asLong()).isEqualTo(total);
        assertThat(report.get("modules").get("Accounts").get("sum(balance)").asLong()).isEqualTo(total);
        assertThat(report.get("events").get("Bank.Deposit").asLong()).isEqualTo(n);
    }

    private static byte[] event(long seq, int account, int amount) {
        return ("{\"seq\": " + seq + ", \"event\": \"Bank.Deposit\", \"payload\": {\"account\": " + account + ", \"amount\": " + amount + "}}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Thread ackReader(Process p, AtomicLong highest) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("ack ")) highest.accumulateAndGet(Long.parseLong(line.substring(4).trim()), Math::max);
                }
            } catch (IOException ignored) {
                // killed
            }
        });
        t.start();
        return t;
    }

    @Test
    void theEconomyKilledTenTimesEndsWithEveryInvariantTrueAndLikeAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/economy.baton"), dir.resolve("economy.baton"));
        JsonNode reference = finishProgram(dir, "economy.baton", "ref");
        Random rnd = new Random(424242);
        int kills = 0;
        for (int attempt = 0; attempt < 40 && kills < 10; attempt++) {
            Process p = ChildProcess.start(dir, "run", "economy.baton", "--data-dir", "crashy", "--snapshot-every", "200ms",
                    "--report", "json", "--no-progress");
            if (!killAfterProgress(p, dir.resolve("crashy"), rnd)) break;
            kills++;
        }
        assertThat(kills).isGreaterThanOrEqualTo(10);
        JsonNode resumed = finishProgram(dir, "economy.baton", "crashy");
        JsonNode invariants = resumed.get("invariants");
        assertThat(resumed.get("trades").get("started").asLong()).isEqualTo(10_000);
        assertThat(resumed.get("currency").get("before")).isEqualTo(resumed.get("currency").get("after"));
        invariants.fields().forEachRemaining(e -> assertThat(e.getValue().asBoolean()).as(e.getKey()).isTrue());
        assertThat(invariants.size()).isEqualTo(5);
        assertThat(resumed.get("report")).isEqualTo(reference.get("report"));
        assertThat(resumed.get("traceHash").asText()).isEqualTo(reference.get("traceHash").asText());
        assertThat(resumed.get("report").get("trades").get("in_flight_at_outage").asLong()).isGreaterThanOrEqualTo(2000);
    }

    /**
     * The event log of a run killed again and again: every event the uninterrupted run emitted is
     * in it, line for line, no line cut short — a resumed run appends, re-emitting what it
     * re-executes with the same numbers, and what came before a snapshot was flushed before the
     * snapshot. The economy emits fast (kills cut lines mid-write) …
     */
    @Test
    void theEmitLogOfAKilledRunHasEveryEventOnceResumed(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/economy.baton"), dir.resolve("economy.baton"));
        emitLogSurvivesKills(dir, new String[] {"run", "economy.baton", "--snapshot-every", "200ms"}, 10_000);
    }

    static final String BEATS = """
            Event Clock.Beat { n: Int }
            $n = 0
            Module Clock {
                Tick [20ms, missed: catch_up] {
                    $n += 1
                    Emit Clock.Beat { n: $n }
                }
            }
            """;

    /**
     * … a slow emitter never fills the log's buffer: only the flush before each snapshot saves what came before it.
     * (Its ticks catch up: on the real clock a late tick is otherwise coalesced, and which ones come late depends on
     * how loaded the machine is — the two runs compared here must emit the same beats.)
     */
    @Test
    void theEmitLogOfASlowRunKeepsWhatCameBeforeItsSnapshots(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("beats.baton"), BEATS);
        emitLogSurvivesKills(dir, new String[] {"run", "beats.baton", "--clock", "real", "--duration", "3s", "--snapshot-every", "100ms"},
                100);
    }

    private static void emitLogSurvivesKills(Path dir, String[] run, int atLeast) throws Exception {
        run = concat(run, new String[] {"--report", "json", "--no-progress"});
        Process ref = ChildProcess.start(dir, concat(run, new String[] {"--data-dir", "ref", "--emit-log", "ref.jsonl"}));
        ref.getInputStream().readAllBytes();
        assertThat(ref.waitFor(180, TimeUnit.SECONDS)).isTrue();
        java.util.Map<Long, String> expected = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("ref.jsonl"))) expected.put(JSON.readTree(line).get("seq").asLong(), line);
        assertThat(expected).hasSizeGreaterThan(atLeast);

        Random rnd = new Random(5150);
        int kills = 0;
        String[] crashy = concat(run, new String[] {"--data-dir", "crashy", "--emit-log", "crashy.jsonl"});
        for (int attempt = 0; attempt < 20 && kills < 5; attempt++) {
            Process p = ChildProcess.start(dir, crashy);
            if (!killAfterProgress(p, dir.resolve("crashy"), rnd)) break;
            kills++;
        }
        assertThat(kills).isGreaterThanOrEqualTo(3);
        Process last = ChildProcess.start(dir, crashy);
        String out = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(last.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(last.exitValue()).as(out).isZero();

        java.util.Map<Long, String> seen = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("crashy.jsonl"))) {
            JsonNode event = JSON.readTree(line); // a line cut short by a kill would not parse
            String before = seen.put(event.get("seq").asLong(), line);
            if (before != null) assertThat(line).as("a repeat is the same event").isEqualTo(before);
        }
        assertThat(seen.keySet()).as("every event of the uninterrupted run").isEqualTo(expected.keySet());
        assertThat(seen).as("each the same").isEqualTo(expected);
    }

    /**
     * The recursive planner (20,000 campaigns, 384,088 workflows) killed again and again while
     * its self-contained workflows run apart: a snapshot carries each run apart as what started
     * it (and its outcome once known), a restored run works it out again — and ends exactly as
     * the uninterrupted run, to the trace.
     */
    @Test
    void thePlannerKilledWhileWorkflowsRunApartEndsLikeAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/planner.baton"), dir.resolve("planner.baton"));
        java.util.function.Function<String, String[]> run = data -> new String[] {"run", "planner.baton", "--campaigns", "20000",
                "--snapshot-every", "200ms", "--report", "json", "--no-progress", "--data-dir", data};
        JsonNode reference = finishArgs(dir, run.apply("ref"));
        Random rnd = new Random(777);
        int kills = 0;
        for (int attempt = 0; attempt < 40 && kills < 8; attempt++) {
            Process p = ChildProcess.start(dir, run.apply("crashy"));
            if (!killAfterProgress(p, dir.resolve("crashy"), rnd)) break;
            kills++;
        }
        assertThat(kills).as("runs killed mid-way").isGreaterThanOrEqualTo(8);
        JsonNode resumed = finishArgs(dir, run.apply("crashy"));
        assertThat(resumed.get("resumed").asBoolean()).isTrue();
        assertThat(resumed.get("traceHash").asText()).isEqualTo(reference.get("traceHash").asText());
        assertThat(resumed.get("report")).isEqualTo(reference.get("report"));
        assertThat(resumed.get("counters").get("workflows_started")).isEqualTo(reference.get("counters").get("workflows_started"));
        assertThat(resumed.get("workflows")).isEqualTo(reference.get("workflows"));
        assertThat(resumed.get("report").get("done").asLong()).isEqualTo(20_000);
    }

    /**
     * Stress test 3 killed again and again: the factions plan under faults (crashes, lost and
     * duplicated messages, a Strategist talking nonsense), negotiate through shared forks, and a
     * run killed with SIGKILL at random points and resumed ends exactly like an uninterrupted one,
     * every invariant true. On the real clock, so the two seconds of engine time leave room to kill.
     */
    @Test
    void theFactionsKilledMidCampaignEndLikeAnUninterruptedRunWithEveryInvariantTrue(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/faction.baton"), dir.resolve("faction.baton"));
        java.util.function.Function<String, String[]> run = data -> new String[] {"run", "faction.baton", "--seed", "3", "--clock", "real",
                "--faults", "crash=2,duplicate=0.05,delay=0.1,drop=0.02,hallucinate=0.3", "--snapshot-every", "200ms", "--report", "json",
                "--no-progress", "--data-dir", data};
        JsonNode reference = finishArgs(dir, run.apply("ref"));
        Random rnd = new Random(31337);
        int kills = 0;
        for (int attempt = 0; attempt < 20 && kills < 4; attempt++) {
            Process p = ChildProcess.start(dir, run.apply("crashy"));
            if (!killAfterProgress(p, dir.resolve("crashy"), rnd)) break;
            kills++;
        }
        assertThat(kills).as("runs killed mid-campaign").isGreaterThanOrEqualTo(4);
        JsonNode resumed = finishArgs(dir, run.apply("crashy"));
        assertThat(resumed.get("resumed").asBoolean()).isTrue();
        resumed.get("invariants").fields().forEachRemaining(e -> assertThat(e.getValue().asBoolean()).as(e.getKey()).isTrue());
        assertThat(resumed.get("invariants").size()).isEqualTo(6);
        assertThat(resumed.get("traceHash").asText()).isEqualTo(reference.get("traceHash").asText());
        assertThat(resumed.get("report")).isEqualTo(reference.get("report"));
        assertThat(resumed.get("counters").get("hallucinations_injected").asLong()).isPositive();
        // every Ask listed once, as the uninterrupted run settled it, whatever the kills cut short
        assertThat(resumed.get("askCount").asLong()).isEqualTo(reference.get("askCount").asLong()).isPositive();
        assertThat(resumed.get("asks")).isEqualTo(reference.get("asks"));
    }

    /**
     * Stress test 3 moved to a new version mid-run: the factions' run is killed with SIGKILL while
     * the agents plan and negotiate; version 3 of the program (the Ledger counts what it checked,
     * its Migration sets that count from what the ledger already holds) resumes it — killed again
     * the moment the move has begun — and the run ends moved once, every invariant true, the new
     * one included.
     */
    @Test
    void theFactionsMovedToANewVersionMidRunEndWithEveryInvariantTrue(@TempDir Path dir) throws Exception {
        String v2 = Files.readString(Path.of("../examples/faction.baton"));
        String v3 = v2.replace("version 2", "version 3")
                .replace("    $failed = 0\n\n    ON (Faction.GoalDone) {\n", "    $failed = 0\n    $checked = 0\n\n    ON (Faction.GoalDone) {\n        $checked += 1\n")
                .replace("        no_deadlock: stat(\"deadlocks\") == 0\n", "        no_deadlock: stat(\"deadlocks\") == 0,\n"
                        + "        ledger_moved: total(Ledger.$checked) == total(Ledger.$done) + total(Ledger.$failed)\n")
                + "\nMigration from 2 {\n    Module Ledger {\n        $checked = $done + $failed\n    }\n}\n";
        assertThat(v3).contains("$checked += 1").contains("ledger_moved").contains("Migration from 2");
        Files.writeString(dir.resolve("faction.baton"), v2);
        String[] run = {"run", "faction.baton", "--seed", "3", "--clock", "real", "--faults", "crash=2,duplicate=0.05,delay=0.1,drop=0.02,hallucinate=0.3",
                "--snapshot-every", "200ms", "--report", "json", "--no-progress", "--data-dir", "d"};
        Process first = ChildProcess.start(dir, run);
        assertThat(killAfterProgress(first, dir.resolve("d"), new Random(99))).as("version 2 killed mid-run").isTrue();

        Files.writeString(dir.resolve("faction.baton"), v3);
        Process moving = ChildProcess.start(dir, run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a bound for a hang only
        while (moving.isAlive() && System.nanoTime() < deadline && !Files.readString(dir.resolve("d/meta.properties")).contains("migrating_from")
                && !Files.exists(dir.resolve("d/migrations.log"))) {
            Thread.sleep(1);
        }
        if (moving.isAlive()) ChildProcess.kill9(moving); // the move begun (or just done): killed in it
        JsonNode r = finishArgs(dir, run);
        assertThat(r.get("resumed").asBoolean()).isTrue();
        r.get("invariants").fields().forEachRemaining(e -> assertThat(e.getValue().asBoolean()).as(e.getKey()).isTrue());
        assertThat(r.get("invariants").has("ledger_moved")).isTrue();
        java.util.List<String> moves = Files.readAllLines(dir.resolve("d/migrations.log"));
        assertThat(moves).as("moved once, whatever the kill cut short").singleElement().asString().contains("\"from\":2").contains("\"to\":3");
    }

    private static JsonNode finishArgs(Path dir, String... args) throws Exception {
        Process p = ChildProcess.start(dir, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return JSON.readTree(out);
    }

    private static JsonNode finishProgram(Path dir, String file, String dataDir) throws Exception {
        Process p = ChildProcess.start(dir, "run", file, "--data-dir", dataDir, "--snapshot-every", "200ms", "--report", "json", "--no-progress");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return JSON.readTree(out);
    }

    @Test
    void theWorldBossKilledMidEventResumesWithEveryInvariantTrue(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/world-boss.baton"), dir.resolve("world-boss.baton"));
        String[] size = {"--players", "5000", "--shards", "10", "--boss_hp", "300000000", "--attack_rate", "200000"};
        Random rnd = new Random(5);
        int kills = 0;
        for (int attempt = 0; attempt < 20 && kills < 5; attempt++) {
            Process p = ChildProcess.start(dir, concat(new String[] {"run", "world-boss.baton", "--data-dir", "boss", "--report", "json",
                    "--no-progress", "--snapshot-every", "200ms"}, size));
            if (!killAfterProgress(p, dir.resolve("boss"), rnd)) break;
            kills++;
        }
        assertThat(kills).isGreaterThanOrEqualTo(3);
        Process p = ChildProcess.start(dir, concat(new String[] {"run", "world-boss.baton", "--data-dir", "boss", "--report", "json",
                "--no-progress", "--snapshot-every", "200ms"}, size));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        JsonNode r = JSON.readTree(out);
        r.get("invariants").fields().forEachRemaining(e -> assertThat(e.getValue().asBoolean()).as(e.getKey()).isTrue());
        assertThat(r.get("boss").get("defeated").asBoolean()).isTrue();
        assertThat(r.get("victory_triggered").asLong()).isEqualTo(1);
        assertThat(r.get("rewards").get("granted").asLong()).isEqualTo(5000);
        assertThat(r.get("rewards").get("duplicates").asLong()).isZero();
    }

    /**
     * Kills {@code p} with SIGKILL once it has made progress since it started — a snapshot newer
     * than any in {@code data} before — and then a random bit more: observed progress, never an
     * amount of wall time, so a loaded machine changes only how long it takes. False when the run
     * finished first.
     */
    static boolean killAfterProgress(Process p, Path data, Random rnd) throws Exception {
        long before = newestSnapshot(data);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300); // a bound for a hang only
        while (newestSnapshot(data) <= before) {
            if (!p.isAlive()) return false;
            if (System.nanoTime() > deadline) throw new AssertionError("no new snapshot in " + data + " for 300 s");
            Thread.sleep(2);
        }
        if (p.waitFor(rnd.nextInt(150), TimeUnit.MILLISECONDS)) return false; // a random point in what follows
        ChildProcess.kill9(p);
        return true;
    }

    /** The engine time of the newest snapshot in {@code data} (from its name), or -1. */
    static long newestSnapshot(Path data) throws IOException {
        if (!Files.isDirectory(data)) return -1;
        long newest = -1;
        try (var s = Files.list(data)) {
            for (Path f : s.toList()) {
                String n = f.getFileName().toString();
                if (n.startsWith("snapshot-") && n.endsWith(".bin")) newest = Math.max(newest, Long.parseLong(n.substring(9, n.length() - 4)));
            }
        }
        return newest;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
