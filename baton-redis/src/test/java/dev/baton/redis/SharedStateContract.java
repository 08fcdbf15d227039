package dev.baton.redis;

import dev.baton.runtime.SharedState;
import dev.baton.runtime.SharedState.Applied;
import dev.baton.runtime.SharedState.Delta;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** What every {@link SharedState} does; run against the in-memory reference and against Redis. */
abstract class SharedStateContract {
    abstract SharedState store();

    /** A key no other test (or earlier run) has used. */
    static String fresh(String name) {
        return name + "-" + System.nanoTime();
    }

    @Test
    void deltasClampBumpTheVersionAndApplyOncePerSourceSequence() {
        SharedState s = store();
        String hp = fresh("boss-hp");
        assertThat(s.read(hp)).isEqualTo(new Applied(0, 0, false));
        assertThat(s.apply(new Delta(hp, "init", 1, 1000, 0, Long.MAX_VALUE))).isEqualTo(new Applied(1000, 1, true));
        assertThat(s.apply(new Delta(hp, "shard-1", 1, -300, 0, Long.MAX_VALUE))).isEqualTo(new Applied(700, 2, true));
        // a retry of the same push, and an older one, change nothing and report the truth
        assertThat(s.apply(new Delta(hp, "shard-1", 1, -300, 0, Long.MAX_VALUE))).isEqualTo(new Applied(700, 2, false));
        assertThat(s.apply(new Delta(hp, "shard-1", 0, -5, 0, Long.MAX_VALUE))).isEqualTo(new Applied(700, 2, false));
        // another source's sequence is its own
        assertThat(s.apply(new Delta(hp, "shard-2", 1, -200, 0, Long.MAX_VALUE))).isEqualTo(new Applied(500, 3, true));
        // clamped at zero: the overkill is not carried
        assertThat(s.apply(new Delta(hp, "shard-1", 2, -900, 0, Long.MAX_VALUE))).isEqualTo(new Applied(0, 4, true));
        assertThat(s.apply(new Delta(hp, "shard-2", 2, 50, 0, 10))).isEqualTo(new Applied(10, 5, true));
        assertThat(s.read(hp)).isEqualTo(new Applied(10, 5, false));
    }

    @Test
    void concurrentRetriedDeltasSumExactly() throws Exception {
        SharedState s = store();
        String key = fresh("total");
        int sources = 6, perSource = 300;
        ExecutorService pool = Executors.newFixedThreadPool(sources);
        try {
            List<Future<Long>> sent = new ArrayList<>();
            for (int src = 0; src < sources; src++) {
                int me = src;
                sent.add(pool.submit(() -> {
                    Random r = new Random(me);
                    long sum = 0;
                    for (int seq = 1; seq <= perSource; seq++) {
                        long d = 1 + r.nextInt(100);
                        sum += d;
                        Delta delta = new Delta(key, "shard-" + me, seq, d, Long.MIN_VALUE, Long.MAX_VALUE);
                        assertThat(s.apply(delta).fresh()).isTrue();
                        if (r.nextInt(4) == 0) assertThat(s.apply(delta).fresh()).as("a retry").isFalse();
                    }
                    return sum;
                }));
            }
            long expected = 0;
            for (Future<Long> f : sent) expected += f.get();
            assertThat(s.read(key)).isEqualTo(new Applied(expected, (long) sources * perSource, false));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void batchesGiveWhatOneByOneGives() {
        SharedState s = store();
        String a = fresh("a"), b = fresh("b");
        List<Delta> batch = new ArrayList<>();
        Random r = new Random(7);
        for (int i = 1; i <= 500; i++) {
            String key = i % 3 == 0 ? b : a;
            long seq = i % 10 == 0 ? i - 1 : i; // some duplicates of the delta before
            batch.add(new Delta(key, "src", seq, r.nextInt(200) - 120, 0, 5_000));
        }
        List<Applied> batched = s.applyAll(batch);
        SharedState reference = SharedState.inMemory();
        List<Applied> oneByOne = new ArrayList<>();
        for (Delta d : batch) oneByOne.add(reference.apply(d));
        assertThat(batched).isEqualTo(oneByOne);
    }

    @Test
    void emptyBoundsAreRefusedBeforeAnythingIsSent() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Delta("k", "s", 1, 1, 10, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[10, 0]");
    }

    @Test
    void compareAndSetNeedsTheCurrentVersion() {
        SharedState s = store();
        String key = fresh("price");
        assertThat(s.compareAndSet(key, 0, 40)).isTrue();
        assertThat(s.compareAndSet(key, 0, 99)).as("stale version").isFalse();
        assertThat(s.read(key)).isEqualTo(new Applied(40, 1, false));
        assertThat(s.compareAndSet(key, 1, 45)).isTrue();
        assertThat(s.read(key)).isEqualTo(new Applied(45, 2, false));
    }

    @Test
    void leasesExcludeRenewAndFenceOutExpiredHolders() throws InterruptedException {
        SharedState s = store();
        String lock = fresh("trade");
        OptionalLong first = s.acquire(lock, "alice", Duration.ofSeconds(30));
        assertThat(first).isPresent();
        assertThat(s.acquire(lock, "bob", Duration.ofSeconds(30))).as("held by alice").isEmpty();
        assertThat(s.acquire(lock, "alice", Duration.ofSeconds(30))).as("a renewal keeps the token").isEqualTo(first);
        assertThat(s.release(lock, "bob")).isFalse();
        assertThat(s.release(lock, "alice")).isTrue();
        OptionalLong bob = s.acquire(lock, "bob", Duration.ofSeconds(30));
        assertThat(bob.getAsLong()).isGreaterThan(first.getAsLong());
        assertThat(s.release(lock, "bob")).isTrue();

        // alice's lease runs out while she is paused; carol takes the lock; alice's late write is refused
        OptionalLong alice = s.acquire(lock, "alice", Duration.ofMillis(100));
        Thread.sleep(400);
        OptionalLong carol = s.acquire(lock, "carol", Duration.ofSeconds(30));
        assertThat(carol).isPresent();
        assertThat(carol.getAsLong()).isGreaterThan(alice.getAsLong());
        String key = fresh("inventory");
        assertThat(s.fencedSet(lock, carol.getAsLong(), key, 5)).isTrue();
        assertThat(s.fencedSet(lock, alice.getAsLong(), key, 999)).as("stale token").isFalse();
        assertThat(s.read(key)).isEqualTo(new Applied(5, 1, false));
        assertThat(s.release(lock, "alice")).isFalse();
    }
}
