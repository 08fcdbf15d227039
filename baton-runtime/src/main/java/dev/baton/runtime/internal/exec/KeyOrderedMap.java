package dev.baton.runtime.internal.exec;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A map from strings that is looked up by hashing and iterated in key order. The per-instance
 * call records ({@link Inst#lastSeq}: one entry per caller, so one per workflow that ever called
 * the instance) are read and written on every call and iterated only by snapshots, which must
 * write them in key order; a {@link java.util.TreeMap} of 100,000 callers pays a dozen string
 * comparisons per call for an order only snapshots need. Here a call costs one hash lookup, and
 * the sorted key array is made when iterated and kept until a key is added or removed (changing
 * a value keeps it), so a snapshot of a map whose callers did not change sorts nothing.
 */
final class KeyOrderedMap<V> extends AbstractMap<String, V> {
    private final HashMap<String, V> map = new HashMap<>();
    private String[] sorted;

    @Override
    public V get(Object key) {
        return map.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return map.containsKey(key);
    }

    @Override
    public V put(String key, V value) {
        V old = map.put(key, value);
        if (old == null) sorted = null;
        return old;
    }

    @Override
    public V merge(String key, V value, BiFunction<? super V, ? super V, ? extends V> fn) {
        V old = map.get(key);
        V now = old == null ? value : fn.apply(old, value);
        if (now == null) {
            remove(key);
        } else {
            put(key, now);
        }
        return now;
    }

    @Override
    public V remove(Object key) {
        V old = map.remove(key);
        if (old != null) sorted = null;
        return old;
    }

    @Override
    public void clear() {
        map.clear();
        sorted = null;
    }

    @Override
    public int size() {
        return map.size();
    }

    /** The keys in order (the array is kept: callers must not change it). */
    private String[] sortedKeys() {
        if (sorted == null) {
            sorted = map.keySet().toArray(new String[0]);
            Arrays.sort(sorted);
        }
        return sorted;
    }

    /** The entries in key order; removing through the iterator is not supported. */
    @Override
    public Set<Map.Entry<String, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, V>> iterator() {
                String[] keys = sortedKeys();
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keys.length;
                    }

                    @Override
                    public Map.Entry<String, V> next() {
                        if (next >= keys.length) throw new NoSuchElementException();
                        String k = keys[next++];
                        return new SimpleImmutableEntry<>(k, map.get(k));
                    }
                };
            }

            @Override
            public int size() {
                return map.size();
            }
        };
    }
}
