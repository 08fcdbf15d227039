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
