package dev.baton.temporal;

import dev.baton.lang.Baton;
import dev.baton.runtime.EngineOptions;
import dev.baton.runtime.Inbox;
import dev.baton.runtime.RunReport;
import dev.baton.runtime.internal.compile.Compiler;
import dev.baton.runtime.plan.Plan;
import dev.baton.stack.LocalKafka;
import dev.baton.stack.LocalTemporal;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A blob store lets blobs nobody reads expire (Redis: a TTL, renewed by every read). A run that
 * only waits reads its input blob once, when it starts; were it to wait longer than the blob
 * lives, a worker that has to replay it (the one that had it cached died) would find its input
 * gone and the run could never move again. So a run with a blob store continues as new once it
 * is {@code maxRunAge} old, waiting or not, and the blob of the run in progress is always fresh.
 * Scaled down here: blobs live 3 s unread, runs at most 1 s, and the run waits 5 s.
 */
class BlobRenewalTest {
    private static final String IDLE = """
            Event Ops.Ping { n: Int }
            $pings = 0
            Module Desk {
                ON (Ops.Ping) {
                    $pings += 1
                }
            }
            """;
    private static final Duration BLOB_LIFETIME = Duration.ofSeconds(3);

    /** A blob store whose blobs live {@code lifetime} unread, each read renewing it, as in Redis. */
    static final class ExpiringBlobs implements BlobStore {
        private record Blob(byte[] bytes, long expiresAt) {}

        private final Map<String, Blob> blobs = new ConcurrentHashMap<>();
        private final long lifetimeNanos;

        ExpiringBlobs(Duration lifetime) {
            this.lifetimeNanos = lifetime.toNanos();
        }

        @Override
        public void put(String id, byte[] bytes) {
            blobs.put(id, new Blob(bytes, System.nanoTime() + lifetimeNanos));
        }

        @Override
        public byte[] get(String id) {
            Blob b = blobs.get(id);
            if (b == null || System.nanoTime() > b.expiresAt) return null;
            blobs.put(id, new Blob(b.bytes, System.nanoTime() + lifetimeNanos));
            return b.bytes;
        }

        @Override
        public String where() {
            return "the test's blobs";
        }

        /** True when some blob has gone unread past its lifetime (looked at without renewing anything). */
        boolean anyExpired() {
            long now = System.nanoTime();
            return blobs.values().stream().anyMatch(b -> now > b.expiresAt);
        }
    }

    /** An inbox that stays open, empty, until told to close. */
    static final class QuietInbox implements Inbox {
        volatile boolean closed;

        @Override
        public List<Item> poll() {
            return List.of();
        }

        @Override
        public boolean closed() {
            return closed;
        }
    }

    @Test
    void aWaitingRunRenewsTheBlobOfItsInputSoAReplayFindsIt(@TempDir Path dir) throws Exception {
        Plan plan = Compiler.compile(Baton.check("idle.baton", IDLE), Map.of());
        ExpiringBlobs blobs = new ExpiringBlobs(BLOB_LIFETIME);
        QuietInbox inbox = new QuietInbox();
        try (LocalTemporal temporal = LocalTemporal.start(LocalKafka.freePort(), dir.resolve("temporal"))) {
            TemporalEngine engine = new TemporalEngine(plan, Map.of(), EngineOptions.defaults().withSeed(1), temporal.target(), "default", true)
                    .withInbox(inbox).withBlobStore(blobs).withPayloadLimits(64, 2 << 20).withMaxRunAge(Duration.ofSeconds(1));
            CompletableFuture<RunReport> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return engine.run();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
            TestWorkflowEnvironment replayer = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder()
                    .setWorkflowClientOptions(WorkflowClientOptions.newBuilder().setDataConverter(new CodecDataConverter(
                            DefaultDataConverter.newDefaultInstance(), List.of(new LargePayloadCodec(blobs, 64)))).build())
                    .build());
            io.temporal.worker.Worker worker = replayer.newWorker("replay");
            worker.registerWorkflowImplementationTypes(BatonRunWorkflowImpl.class);
            try {
                WorkflowClient client = WorkflowClient.newInstance(service);
                // observed progress, not a stretch of wall time: the chain has continued as new a few times
                // and the first run's blob has gone unread past its lifetime
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                WorkflowExecutionHistory current;
                WorkflowExecutionHistory first;
                int runs;
                while (true) {
                    assertThat(run.isDone()).as("the run still waits for events").isFalse();
                    try {
                        current = client.fetchHistory(engine.workflowId());
                    } catch (io.grpc.StatusRuntimeException notStartedYet) {
                        assertThat(System.nanoTime()).as("the run's workflow starts").isLessThan(deadline);
                        Thread.sleep(100);
                        continue;
                    }
                    // walk the chain back to its first run
                    first = current;
                    runs = 1;
                    for (String previous = startOf(first).getContinuedExecutionRunId(); !previous.isEmpty();
                         previous = startOf(first).getContinuedExecutionRunId()) {
                        first = client.fetchHistory(engine.workflowId(), previous);
                        runs++;
                    }
                    if (runs >= 4 && blobs.anyExpired()) break;
                    assertThat(System.nanoTime()).as("the chain continues as new (runs so far: %d)", runs).isLessThan(deadline);
                    Thread.sleep(100);
                }
                assertThat(LargePayloadCodec.isReference(startOf(current).getInput().getPayloads(0))).as("the input lives in the blob store").isTrue();

                // a worker without the run in its cache replays it: the current run's input is there …
                WorkflowReplayer.replayWorkflowExecution(current, worker);
                // … the first run's, unread for longer than a blob lives, is gone (as the current one's would be without renewal)
                WorkflowExecutionHistory firstRun = first;
                assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecution(firstRun, worker))
                        .hasStackTraceContaining("is missing from the test's blobs");
            } finally {
                replayer.close();
                service.shutdownNow();
            }

            inbox.closed = true;
            RunReport report = run.get(60, TimeUnit.SECONDS);
            assertThat(report.resumed()).as("the report comes from a later run of the chain").isTrue();
            assertThat(report.globals()).containsEntry("pings", 0);
        }
    }

    private static io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes startOf(WorkflowExecutionHistory h) {
        HistoryEvent e = h.getEvents().get(0);
        return e.getWorkflowExecutionStartedEventAttributes();
    }
}
