package dev.baton.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a <em>hot module</em> lives when an engine places it on the state store rather than in a
 * run's core: the module's record (its instance state, the globals only it writes and what it
 * needs to recognise a call it already answered) under a version, changed only by compare-and-set,
 * and beside it the outcomes of the batches of calls that changed it, so that a batch sent again
 * (its sender crashed before it knew the answer) gets the first answer instead of being applied
 * twice. {@link #inMemory} is the reference the Redis store is tested against.
 *
 * <p>A batch is named by its sender ({@code writer}: a run) and a number that grows per sender;
 * a commit records the batch's outcomes atomically with the record and forgets that writer's
 * outcomes below {@code oldest} (batches the sender can no longer send again).
 */
public interface HotStore {
    /** A record and its version (0 and null when never written). */
    record Versioned(long version, byte[] data) {}

    Versioned readRecord(String key);

    /** The stored outcomes of {@code writer}'s batch {@code batch}, or null. */
    byte[] outcomes(String key, String writer, long batch);

    /**
     * Writes {@code data} as version {@code expected + 1}, with the batch's outcomes, when the
     * record is still at version {@code expected}; false (nothing written) when it is not.
     */
    boolean commit(String key, long expected, byte[] data, String writer, long batch, byte[] outcomes, long oldest);

    static HotStore inMemory() {
        return new InMemory();
    }

    final class InMemory implements HotStore {
        private final Map<String, Versioned> records = new HashMap<>();
        private final Map<String, TreeMap<Long, byte[]>> outcomes = new HashMap<>();

        @Override
        public synchronized Versioned readRecord(String key) {
            return records.getOrDefault(key, new Versioned(0, null));
        }

        @Override
        public synchronized byte[] outcomes(String key, String writer, long batch) {
            TreeMap<Long, byte[]> m = outcomes.get(key + "\u0000" + writer);
            return m == null ? null : m.get(batch);
        }

        @Override
        public synchronized boolean commit(String key, long expected, byte[] data, String writer, long batch, byte[] out, long oldest) {
            if (readRecord(key).version() != expected) return false;
            records.put(key, new Versioned(expected + 1, data));
            TreeMap<Long, byte[]> m = outcomes.computeIfAbsent(key + "\u0000" + writer, k -> new TreeMap<>());
            m.put(batch, out);
            m.headMap(oldest).clear();
            return true;
        }

        /** How many batch outcomes are kept for {@code writer} (for tests). */
        public synchronized int kept(String key, String writer) {
            TreeMap<Long, byte[]> m = outcomes.get(key + "\u0000" + writer);
            return m == null ? 0 : m.size();
        }
    }
}
