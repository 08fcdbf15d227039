package dev.baton.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where global state ({@code $name} at top level) lives. The embedded store is an in-memory
 * map inside the deterministic core (snapshotted with it); the Redis store implements the
 * same interface with atomic scripts.
 */
public interface StateStore {
    /** The value of a global, or null when it has none. */
    Object get(String name);

    void put(String name, Object value);

    /** Every global, in declaration order (for snapshots and reports). */
    Map<String, Object> all();

    /** The embedded store. */
    static StateStore inMemory() {
        return new StateStore() {
            private final Map<String, Object> values = new LinkedHashMap<>();

            @Override
            public Object get(String name) {
                return values.get(name);
            }

            @Override
            public void put(String name, Object value) {
                values.put(name, value);
            }

            @Override
            public Map<String, Object> all() {
                return values;
            }
        };
    }
}
