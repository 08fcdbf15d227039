package dev.baton.cli;

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
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run whose snapshot is larger than Temporal's payload limit. With a blob store (Redis) every
 * continue-as-new carries a digest and the snapshot lives in Redis; without one the run goes on in
 * one run, or, when its history fills up, fails saying what to give. The limits are scaled down
 * (a 4 KiB payload threshold against a world boss of 3,000 players) so the chain is long and quick.
 */
class TemporalLargeStateTest {
    private static final Map<String, String> PARAMS = Map.of("players", "3000", "shards", "4");
    private static final int SMALL = 4096;

    @TempDir
    static Path dir;
    static LocalTemporal temporal;
    static LocalRedis redis;
    static Plan plan;
    static RunReport reference;

    @BeforeAll
    static void start() throws Exception {
        redis = TestRedis.startOrSkip(() -> LocalRedis.start(LocalRedis.freePort(), dir.resolve("redis"), false));
        temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"));
        String source = Files.readString(Path.of("../examples/world-boss.baton"));
        plan = Compiler.compile(Baton.check("world-boss.baton", source), PARAMS);
        reference = new EmbeddedEngine(plan, EngineOptions.defaults().withSeed(3)).run();
    }

    @AfterAll
    static void stop() throws Exception {
        if (temporal != null) temporal.close();
        if (redis != null) redis.close();
    }

    /** Values compared as JSON (a report read back from the workflow has Integers where the embedded one has Longs). */
    private static com.fasterxml.jackson.databind.JsonNode tree(Object value) throws IOException {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        return json.readTree(json.writeValueAsString(value));
    }

    private static TemporalEngine engine(long seed) {
        return new TemporalEngine(plan, PARAMS, EngineOptions.defaults().withSeed(seed), temporal.target(), "default", true).withTasksPerRun(2);
    }

    @Test
    void snapshotsAboveTheLimitTravelThroughRedis() throws Exception {
        try (RedisSharedState store = RedisSharedState.connect(redis.uri())) {
            TemporalEngine engine = engine(3).withPayloadLimits(SMALL, SMALL).withBlobStore(RunCommand.blobsIn(store, redis.uri().toString()));
            RunReport onTemporal = engine.run();

            assertThat(onTemporal.traceHash()).isEqualTo(reference.traceHash());
            assertThat(tree(onTemporal.globals())).isEqualTo(tree(reference.globals()));
            for (String part : List.of("invariants", "boss", "damage", "payments", "rewards", "victory")) {
                assertThat(tree(onTemporal.report().get(part))).as(part).isEqualTo(tree(reference.report().get(part)));
            }
            assertThat(onTemporal.failedInvariants()).isEmpty();

            try (WorkflowHistory history = new WorkflowHistory(temporal.target())) {
                HistoryEvent started = history.events(engine.workflowId()).get(0);
                var attributes = started.getWorkflowExecutionStartedEventAttributes();
                assertThat(attributes.getContinuedExecutionRunId()).as("the last run continued an earlier one").isNotEmpty();
                Payload input = attributes.getInput().getPayloads(0);
                assertThat(input.getMetadataOrThrow("encoding").toStringUtf8()).isEqualTo("binary/baton-blob");
                assertThat(input.getSerializedSize()).as("the history holds a digest, not the snapshot").isLessThan(200);
                String id = input.getData().toStringUtf8().split(":")[0];
                byte[] blob = store.getBlob(id, java.time.Duration.ofMinutes(5));
                assertThat(blob).as("the snapshot is in Redis").isNotNull();
                assertThat(blob.length).isGreaterThan(SMALL);
                for (HistoryEvent e : history.events(engine.workflowId())) {
                    assertThat(e.getSerializedSize()).as("every event of the history stays small: " + e.getEventType()).isLessThan(SMALL + 1024);
                }
            }
        }
    }

    /**
     * The Redis that holds the snapshots is killed ({@code kill -9}) while the run continues as new
     * through it, and restarted on the same port 1.5 s later (append-only file, fsync always): the
     * run ends exactly as the embedded one, no snapshot lost. (Two layers ride out the outage: the
     * store's operations keep trying for 30 s, and a workflow task that fails meanwhile is retried
     * by Temporal — with the store's retrying cut to 1 ms this test still passes.)
     */
    @Test
    void aRedisRestartMidRunLosesNoSnapshot() throws Exception {
        Path data = dir.resolve("durable-redis");
        LocalRedis durable = LocalRedis.start(LocalRedis.freePort(), data, true);
        int port = durable.port;
        try (RedisSharedState store = RedisSharedState.connect(durable.uri());
             RedisClient probe = RedisClient.create("127.0.0.1", port)) {
            TemporalEngine engine = engine(3).withPayloadLimits(SMALL, SMALL).withBlobStore(RunCommand.blobsIn(store, durable.uri().toString()));
            java.util.concurrent.CompletableFuture<RunReport> run = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return engine.run();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (probe.keys("baton:blob:*").isEmpty() && !run.isDone() && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(run.isDone()).as("the run is still going when Redis dies").isFalse();
            int blobsBefore = probe.keys("baton:blob:*").size();
            durable.kill();
            Thread.sleep(1500);
            durable = LocalRedis.start(port, data, true);
            RunReport onTemporal = run.get(180, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(onTemporal.traceHash()).isEqualTo(reference.traceHash());
            assertThat(tree(onTemporal.globals())).isEqualTo(tree(reference.globals()));
            assertThat(onTemporal.failedInvariants()).isEmpty();
            try (RedisClient after = RedisClient.create("127.0.0.1", port)) {
                assertThat(after.keys("baton:blob:*").size()).as("snapshots written before and after the restart").isGreaterThan(blobsBefore);
            }
        } finally {
            durable.close();
        }
    }

    @Test
    void withoutAStoreALargeSnapshotKeepsTheRunInOneRun() throws Exception {
        TemporalEngine engine = engine(3).withPayloadLimits(SMALL, SMALL);
        RunReport onTemporal = engine.run();
        assertThat(onTemporal.traceHash()).isEqualTo(reference.traceHash());
        assertThat(tree(onTemporal.globals())).isEqualTo(tree(reference.globals()));
        try (WorkflowHistory history = new WorkflowHistory(temporal.target())) {
            List<HistoryEvent> events = history.events(engine.workflowId());
            assertThat(events.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId()).as("one run").isEmpty();
            assertThat(events.get(events.size() - 1).getEventType()).isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
        }
    }

    @Test
    void withoutAStoreAFullHistoryFailsSayingWhatToGive() {
        TemporalEngine engine = engine(4).withPayloadLimits(SMALL, SMALL).withHistoryLimit(100);
        assertThatThrownBy(engine::run).isInstanceOf(IOException.class)
                .hasMessageContaining("larger than the 4 KiB Temporal payload limit")
                .hasMessageContaining("give --state redis://HOST:PORT");
    }
}
