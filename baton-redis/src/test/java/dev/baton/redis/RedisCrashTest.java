package dev.baton.redis;

import dev.baton.runtime.SharedState.Applied;
import dev.baton.runtime.SharedState.Delta;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis is killed with {@code kill -9} twice while shards push identified deltas, and
 * restarted on the same port from its append-only file; every delta still counts exactly once.
 */
class RedisCrashTest {
    @Test
    void deltasCountOnceAcrossRedisCrashes() throws Exception {
        int port = LocalRedis.freePort();
        Path dir = Files.createTempDirectory("baton-redis-crash");
        LocalRedis server = RedisServer.start(port, dir, true);
        int shards = 3, perShard = 1500;
        AtomicLong progress = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(shards);
        try (RedisSharedState store = RedisSharedState.connect(server.uri()).reconnectFor(Duration.ofSeconds(30))) {
            List<Future<Long>> sent = new ArrayList<>();
            for (int sh = 0; sh < shards; sh++) {
                int me = sh;
                sent.add(pool.submit(() -> {
                    Random r = new Random(me);
                    long sum = 0;
                    List<Delta> batch = new ArrayList<>();
                    for (int seq = 1; seq <= perShard; seq++) {
                        long d = 1 + r.nextInt(50);
                        sum += d;
                        Delta delta = new Delta("hp", "shard-" + me, seq, d, Long.MIN_VALUE, Long.MAX_VALUE);
                        if (me == 0) { // one shard pushes batches, the others one delta at a time
                            batch.add(delta);
                            if (batch.size() == 10) {
                                store.applyAll(batch);
                                batch.clear();
                            }
                        } else {
                            store.apply(delta);
                        }
                        progress.incrementAndGet();
                    }
                    if (!batch.isEmpty()) store.applyAll(batch);
                    return sum;
                }));
            }
            for (int crash = 1; crash <= 2; crash++) {
                long target = crash * (long) shards * perShard / 3;
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (progress.get() < target) {
                    // a shard that gave up shows its exception here instead of hanging the test
                    for (Future<Long> f : sent) if (f.isDone()) f.get();
                    assertThat(System.nanoTime()).as("shards stopped making progress").isLessThan(deadline);
                    Thread.sleep(2);
                }
                server.kill();
                Thread.sleep(200);
                server = RedisServer.start(port, dir, true);
            }
            long expected = 0;
            for (Future<Long> f : sent) expected += f.get();
            assertThat(progress.get()).isEqualTo((long) shards * perShard);
            assertThat(store.read("hp")).as("every delta exactly once, through two kill -9 of Redis")
                    .isEqualTo(new Applied(expected, (long) shards * perShard, false));
        } finally {
            pool.shutdownNow();
            server.close();
        }
    }
}
