package dev.baton.redis;

import dev.baton.runtime.HotStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The hot-module record store on a real redis-server behaves as the in-memory reference. */
class HotStoreTest {
    private static LocalRedis server;
    private static RedisSharedState redis;

    @BeforeAll
    static void start() throws Exception {
        server = RedisServer.start();
        redis = RedisSharedState.connect(server.uri());
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) redis.close();
        if (server != null) server.close();
    }

    private static HotStore store(String which) {
        return which.equals("redis") ? redis : HotStore.inMemory();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis"})
    void aCommitNeedsTheVersionItReadAndKeepsItsBatchOutcomesUntilTheWriterMovesOn(String which) {
        HotStore s = store(which);
        String key = "contract-" + which + "-" + System.nanoTime();
        assertThat(s.readRecord(key).version()).isZero();
        assertThat(s.readRecord(key).data()).isNull();
        assertThat(s.commit(key, 0, bytes("one"), "w", 10, bytes("out10"), 10)).isTrue();
        assertThat(s.commit(key, 0, bytes("stale"), "w", 11, bytes("out11"), 10)).as("version 0 is gone").isFalse();
        assertThat(new String(s.readRecord(key).data())).isEqualTo("one");
        assertThat(s.readRecord(key).version()).isEqualTo(1);
        assertThat(s.outcomes(key, "w", 11)).as("a refused commit stores nothing").isNull();
        assertThat(s.commit(key, 1, bytes("two"), "w", 12, bytes("out12"), 10)).isTrue();
        assertThat(s.commit(key, 2, bytes("three"), "v", 12, bytes("v12"), 0)).isTrue();
        assertThat(new String(s.outcomes(key, "w", 10))).isEqualTo("out10");
        assertThat(new String(s.outcomes(key, "w", 12))).isEqualTo("out12");
        assertThat(new String(s.outcomes(key, "v", 12))).as("writers apart").isEqualTo("v12");
        assertThat(s.commit(key, 3, bytes("four"), "w", 13, bytes("out13"), 12)).isTrue();
        assertThat(s.outcomes(key, "w", 10)).as("below the oldest batch the writer may resend").isNull();
        assertThat(new String(s.outcomes(key, "w", 12))).isEqualTo("out12");
        assertThat(new String(s.outcomes(key, "v", 12))).isEqualTo("v12");
        assertThat(s.readRecord(key).version()).isEqualTo(4);
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) binary[i] = (byte) i;
        assertThat(s.commit(key, 4, binary, "w", 14, binary, 14)).isTrue();
        assertThat(s.readRecord(key).data()).as("records are bytes").isEqualTo(binary);
        assertThat(s.outcomes(key, "w", 14)).isEqualTo(binary);
    }

    /** Eight writers add to one record by read, change, compare-and-set: none of 8 x 300 additions is lost. */
    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis"})
    void concurrentWritersLoseNoUpdate(String which) throws Exception {
        HotStore s = store(which);
        String key = "race-" + which + "-" + System.nanoTime();
        AtomicLong conflicts = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                String writer = "w" + w;
                done.add(pool.submit(() -> {
                    for (long batch = 1; batch <= 300; batch++) {
                        while (true) {
                            HotStore.Versioned v = s.readRecord(key);
                            long total = v.data() == null ? 0 : ByteBuffer.wrap(v.data()).getLong();
                            byte[] next = ByteBuffer.allocate(8).putLong(total + 1).array();
                            if (s.commit(key, v.version(), next, writer, batch, next, batch)) break;
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        HotStore.Versioned end = s.readRecord(key);
        assertThat(ByteBuffer.wrap(end.data()).getLong()).isEqualTo(2400);
        assertThat(end.version()).isEqualTo(2400);
        if (which.equals("redis")) assertThat(conflicts.get()).as("the writers did race").isPositive();
    }
}
