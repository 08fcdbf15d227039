package dev.baton.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * The primitives a distributed engine needs from a shared state store: the hot counters of
 * the world boss (an authority's HP) and the locks of the economy. The embedded engine does
 * the same work inside its deterministic core; {@link #inMemory} is the reference the Redis
 * store is tested against, operation for operation.
 *
 * <p>Every counter has a value and a version (bumped by every change). A delta carries its
 * identity — a source (e.g. {@code shard-7/epoch-2}) and a sequence number that grows per
 * source — so a retried delta is applied once: a delta whose sequence is not above the last
 * one applied from its source is a duplicate and changes nothing. Memory stays bounded (one
 * number per source), at the price that each source must send its deltas in order, which a
 * shard's sequential pushes do. Values are exact integers within ±2^53.
 */
public interface SharedState extends AutoCloseable {
    /** What a delta or a read found: the value and version after it, and whether it changed anything. */
    record Applied(long value, long version, boolean fresh) {}

    /** One identified delta, clamped to [min, max]. */
    record Delta(String key, String source, long seq, long delta, long min, long max) {
        public Delta {
            if (key == null || source == null) throw new IllegalArgumentException("a delta needs a key and a source");
            if (min > max) throw new IllegalArgumentException("delta bounds [" + min + ", " + max + "] are empty");
        }
    }

    /** The value and version of a counter (0 and 0 when it was never written). */
    Applied read(String key);

    /** Applies one delta atomically: value = clamp(value + delta, min, max), version + 1. */
    Applied apply(Delta d);

    /** Applies deltas in order, each atomically (a store may pipeline them). */
    default List<Applied> applyAll(List<Delta> deltas) {
        List<Applied> out = new ArrayList<>(deltas.size());
        for (Delta d : deltas) out.add(apply(d));
        return out;
    }

    /** Sets the value when the version is still {@code expectedVersion}; true when it did. */
    boolean compareAndSet(String key, long expectedVersion, long value);

    /**
     * Takes (or renews, for the same owner) a lease on {@code lock}; the answer is the lease's
     * fencing token, which grows with every new holder, or empty when someone else holds it.
     */
    OptionalLong acquire(String lock, String owner, Duration lease);

    /** Gives a lease back; false when {@code owner} no longer holds it. */
    boolean release(String lock, String owner);

    /**
     * Sets a counter on behalf of a lease holder: refused (false) when {@code token} is older
     * than the newest token issued for {@code lock}, so a holder whose lease expired while it
     * was paused cannot overwrite its successor's work.
     */
    boolean fencedSet(String lock, long token, String key, long value);

    @Override
    default void close() {}

    /** The reference implementation, in memory; {@code nanos} is its clock (for leases). */
    static SharedState inMemory(LongSupplier nanos) {
        return new InMemory(nanos);
    }

    /** {@link #inMemory(LongSupplier)} on the system clock. */
    static SharedState inMemory() {
        return new InMemory(System::nanoTime);
    }

    final class InMemory implements SharedState {
        private record Lease(String owner, long token, long expiresAt) {}

        private final LongSupplier nanos;
        private final Map<String, long[]> counters = new HashMap<>(); // value, version
        private final Map<String, Long> lastSeq = new HashMap<>();
        private final Map<String, Lease> leases = new HashMap<>();
        private final Map<String, Long> fences = new HashMap<>();

        private InMemory(LongSupplier nanos) {
            this.nanos = nanos;
        }

        @Override
        public synchronized Applied read(String key) {
            long[] c = counters.getOrDefault(key, new long[2]);
            return new Applied(c[0], c[1], false);
        }

        @Override
        public synchronized Applied apply(Delta d) {
            long[] c = counters.computeIfAbsent(d.key(), k -> new long[2]);
            String seqKey = d.key() + "\u0000" + d.source();
            Long last = lastSeq.get(seqKey);
            if (last != null && d.seq() <= last) return new Applied(c[0], c[1], false);
            lastSeq.put(seqKey, d.seq());
            c[0] = Math.max(d.min(), Math.min(d.max(), c[0] + d.delta()));
            c[1]++;
            return new Applied(c[0], c[1], true);
        }

        @Override
        public synchronized boolean compareAndSet(String key, long expectedVersion, long value) {
            long[] c = counters.computeIfAbsent(key, k -> new long[2]);
            if (c[1] != expectedVersion) return false;
            c[0] = value;
            c[1]++;
            return true;
        }

        @Override
        public synchronized OptionalLong acquire(String lock, String owner, Duration lease) {
            long now = nanos.getAsLong();
            Lease held = leases.get(lock);
            if (held != null && held.expiresAt() - now > 0 && !held.owner().equals(owner)) return OptionalLong.empty();
            long token = held != null && held.owner().equals(owner) && held.expiresAt() - now > 0
                    ? held.token() : fences.merge(lock, 1L, Long::sum);
            leases.put(lock, new Lease(owner, token, now + lease.toNanos()));
            return OptionalLong.of(token);
        }

        @Override
        public synchronized boolean release(String lock, String owner) {
            Lease held = leases.get(lock);
            if (held == null || held.expiresAt() - nanos.getAsLong() <= 0 || !held.owner().equals(owner)) return false;
            leases.remove(lock);
            return true;
        }

        @Override
        public synchronized boolean fencedSet(String lock, long token, String key, long value) {
            if (token < fences.getOrDefault(lock, 0L)) return false;
            long[] c = counters.computeIfAbsent(key, k -> new long[2]);
            c[0] = value;
            c[1]++;
            return true;
        }
    }
}
