package dev.baton.redis;

import dev.baton.runtime.SharedState;
import dev.baton.runtime.SharedState.Applied;
import dev.baton.runtime.SharedState.Delta;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The contract on a real redis-server, plus what only Redis can do to us. */
class RedisSharedStateTest extends SharedStateContract {
    private static LocalRedis server;
    private static RedisSharedState store;

    @BeforeAll
    static void start() throws Exception {
        server = RedisServer.start();
        store = RedisSharedState.connect(server.uri());
    }

    @AfterAll
    static void stop() throws Exception {
        if (store != null) store.close();
        if (server != null) server.close();
    }

    @Override
    SharedState store() {
        return store;
    }

    /**
     * Batches of every shape — runs of one (counter, source, bounds) and interleavings, resent
     * and old sequences, both clamps, batches longer than one script call — answer delta for
     * delta exactly as the in-memory reference does.
     */
    @Test
    void batchesOfEveryShapeAnswerLikeTheReference() {
        SharedState reference = SharedState.inMemory();
        java.util.SplittableRandom r = new java.util.SplittableRandom(42);
        String[] keys = {"diff-a", "diff-b", "diff-c"};
        String[] sources = {"s1", "s2", "s3"};
        long[] next = new long[keys.length * sources.length];
        for (int round = 0; round < 60; round++) {
            List<Delta> batch = new ArrayList<>();
            int size = 1 + r.nextInt(round % 10 == 0 ? 700 : 40);
            int k = r.nextInt(keys.length);
            int src = r.nextInt(sources.length);
            for (int i = 0; i < size; i++) {
                if (r.nextInt(4) == 0) {
                    k = r.nextInt(keys.length);
                    src = r.nextInt(sources.length);
                }
                int slot = k * sources.length + src;
                long seq = r.nextInt(5) == 0 ? Math.max(1, next[slot] - r.nextInt(3)) : ++next[slot];
                long min = k == 0 ? 0 : -1000;
                long max = k == 1 ? 500 : Long.MAX_VALUE;
                batch.add(new Delta(keys[k], sources[src], seq, r.nextInt(-300, 301), min, max));
            }
            List<Applied> want = reference.applyAll(batch);
            List<Applied> got = store.applyAll(batch);
            assertThat(got).as("round " + round).isEqualTo(want);
        }
        for (String key : keys) assertThat(store.read(key)).isEqualTo(reference.read(key));
    }

    @Test
    void scriptsLostByTheServerAreLoadedAgainWithoutDoubleApplying() {
        String key = fresh("hp");
        store.apply(new Delta(key, "s", 1, 100, 0, Long.MAX_VALUE));
        try (RedisClient admin = RedisClient.create("127.0.0.1", server.port)) {
            admin.scriptFlush();
        }
        assertThat(store.apply(new Delta(key, "s", 2, -30, 0, Long.MAX_VALUE))).isEqualTo(new Applied(70, 2, true));
        try (RedisClient admin = RedisClient.create("127.0.0.1", server.port)) {
            admin.scriptFlush();
        }
        List<Delta> batch = new ArrayList<>();
        for (int i = 2; i <= 6; i++) batch.add(new Delta(key, "s", i, -10, 0, Long.MAX_VALUE));
        List<Applied> out = store.applyAll(batch);
        assertThat(out.get(0).fresh()).as("seq 2 was applied before the flush").isFalse();
        assertThat(out.get(4)).isEqualTo(new Applied(30, 6, true));
    }

    @Test
    void valuesRedisCannotCountExactlyAreRefused() {
        assertThatThrownBy(() -> store.apply(new Delta(fresh("big"), "s", 1, 1L << 60, 0, Long.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2^53");
    }
}
