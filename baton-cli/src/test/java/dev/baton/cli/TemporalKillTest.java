package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.api.enums.v1.EventType;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code baton run --engine temporal}: the process hosting the only worker is killed with
 * {@code kill -9} twice mid-run; the same command run again reattaches, its worker replays the
 * workflow's history, and the run ends exactly as on the embedded engine (same trace hash,
 * invariants true).
 */
class TemporalKillTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aWorkerKilledMidRunLosesNothing(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/economy.baton"), dir.resolve("economy.baton"));
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"))) {
            String[] cmd = {"run", "economy.baton", "--engine", "temporal", "--temporal", temporal.target(), "--report", "json", "--seed", "5"};
            String id = WorkflowHistory.runId("economy.baton", Files.readString(dir.resolve("economy.baton")), 5, temporal.target());
            int kills = 0;
            try (WorkflowHistory history = new WorkflowHistory(temporal.target())) {
                long fired = 0;
                for (int i = 0; i < 2; i++) {
                    Process p = ChildProcess.start(dir, cmd);
                    // kill once this worker has moved the run on (more slices done than before), not at a guessed moment
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                    long now = fired;
                    while (now <= fired && System.nanoTime() < deadline && p.isAlive()) {
                        Thread.sleep(100);
                        now = history.count(id, EventType.EVENT_TYPE_TIMER_FIRED);
                    }
                    assertThat(p.isAlive()).as("the run is still going when its worker is killed").isTrue();
                    assertThat(now).as("slices the worker completed before it was killed").isGreaterThan(fired);
                    ChildProcess.kill9(p);
                    kills++;
                    fired = history.count(id, EventType.EVENT_TYPE_TIMER_FIRED);
                    assertThat(history.count(id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)).as("the run is not finished yet").isZero();
                }
            }
            Process last = ChildProcess.start(dir, cmd);
            String out = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(last.waitFor(180, TimeUnit.SECONDS)).isTrue();
            assertThat(last.exitValue()).as(out).isZero();
            JsonNode onTemporal = JSON.readTree(out);

            Process embedded = ChildProcess.start(dir, "run", "economy.baton", "--report", "json", "--seed", "5", "--data-dir", "embedded");
            JsonNode reference = JSON.readTree(new String(embedded.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertThat(embedded.waitFor(120, TimeUnit.SECONDS)).isTrue();

            assertThat(kills).isEqualTo(2);
            assertThat(onTemporal.get("engine").asText()).isEqualTo("temporal");
            assertThat(onTemporal.get("traceHash").asText()).isEqualTo(reference.get("traceHash").asText());
            assertThat(onTemporal.get("globals")).isEqualTo(reference.get("globals"));
            assertThat(onTemporal.get("report").get("invariants")).isEqualTo(reference.get("report").get("invariants"));
            onTemporal.get("report").get("invariants").fields().forEachRemaining(e -> assertThat(e.getValue().asBoolean()).as(e.getKey()).isTrue());
        }
    }

    /**
     * The world boss with its authority on Redis (a hot module): the worker is killed with
     * {@code kill -9} twice while the shards' batches of pushes go to Redis, each recorded as a local
     * activity's marker. A batch the dead worker had committed but not yet recorded is sent again on
     * replay and answered from the outcomes Redis kept: every push counts once, and the run ends
     * exactly as on the embedded engine.
     */
    @Test
    void aWorkerKilledWhileTheAuthorityLivesOnRedisAppliesEveryPushOnce(@TempDir Path dir) throws Exception {
        Files.copy(Path.of("../examples/world-boss.baton"), dir.resolve("world-boss.baton"));
        String[] params = {"--players", "2000", "--shards", "5", "--boss_hp", "12000000", "--attack_rate", "100000"};
        try (dev.baton.redis.LocalRedis redis = TestRedis.startOrSkip(dev.baton.redis.LocalRedis::start);
             LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"))) {
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("run", "world-boss.baton", "--engine", "temporal",
                    "--temporal", temporal.target(), "--state", "redis://127.0.0.1:" + redis.port, "--report", "json", "--seed", "5"));
            cmd.addAll(java.util.List.of(params));
            java.util.Map<String, String> overrides = new java.util.LinkedHashMap<>();
            for (int i = 0; i < params.length; i += 2) overrides.put(params[i].substring(2), params[i + 1]);
            String id = WorkflowHistory.runId("world-boss.baton", Files.readString(dir.resolve("world-boss.baton")), 5, overrides, temporal.target());
            int kills = 0;
            try (WorkflowHistory history = new WorkflowHistory(temporal.target())) {
                long markers = 0;
                for (int i = 0; i < 2; i++) {
                    Process p = ChildProcess.start(dir, cmd.toArray(String[]::new));
                    // kill once this worker has recorded more batches than before, not at a guessed moment
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                    long now = markers;
                    while (now < markers + 5 && System.nanoTime() < deadline && p.isAlive()) {
                        Thread.sleep(50);
                        now = history.count(id, EventType.EVENT_TYPE_MARKER_RECORDED);
                    }
                    assertThat(p.isAlive()).as("the run is still going when its worker is killed").isTrue();
                    assertThat(now).as("batches recorded before the kill").isGreaterThanOrEqualTo(markers + 5);
                    ChildProcess.kill9(p);
                    kills++;
                    markers = history.count(id, EventType.EVENT_TYPE_MARKER_RECORDED);
                    assertThat(history.count(id, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)).as("the run is not finished yet").isZero();
                }
            }
            Process last = ChildProcess.start(dir, cmd.toArray(String[]::new));
            String out = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(last.waitFor(180, TimeUnit.SECONDS)).isTrue();
            assertThat(last.exitValue()).as(out).isZero();
            JsonNode onTemporal = JSON.readTree(out);

            java.util.List<String> embeddedCmd = new java.util.ArrayList<>(java.util.List.of("run", "world-boss.baton", "--report", "json",
                    "--seed", "5", "--data-dir", "embedded"));
            embeddedCmd.addAll(java.util.List.of(params));
            Process embedded = ChildProcess.start(dir, embeddedCmd.toArray(String[]::new));
            JsonNode reference = JSON.readTree(new String(embedded.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertThat(embedded.waitFor(120, TimeUnit.SECONDS)).isTrue();

            assertThat(kills).isEqualTo(2);
            assertThat(onTemporal.get("traceHash").asText()).isEqualTo(reference.get("traceHash").asText());
            assertThat(onTemporal.get("globals")).isEqualTo(reference.get("globals"));
            assertThat(onTemporal.get("report").get("invariants")).isEqualTo(reference.get("report").get("invariants"));
            onTemporal.get("report").get("invariants").fields().forEachRemaining(e -> assertThat(e.getValue().asBoolean()).as(e.getKey()).isTrue());
            try (RedisClient client = RedisClient.create("127.0.0.1", redis.port)) {
                assertThat(client.keys("baton:hot:{" + id + "/*:GlobalAuthority}")).as("the authority's record on Redis").hasSize(1);
            }
        }
    }
}
