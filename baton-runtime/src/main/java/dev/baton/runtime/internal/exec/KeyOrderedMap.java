package dev.baton.runtime.internal.exec;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A map from strings that is looked up by hashing and iterated in key order.
 *
 * <h2>Design</h2>
 * The per-instance call records ({@link Inst#lastCall}: one entry per caller, so one per
 * workflow that ever called the instance) and replies by idempotency key ({@link Inst#keyed})
 * are read and written on every call and iterated only by snapshots, which must write them in
 * key order. A saga-heavy run has 100,000 callers at one instance: a {@link java.util.TreeMap}
 * pays a dozen string comparisons per call for an order only snapshots need, and a
 * {@link java.util.HashMap} a node, a resize copying nodes and four or five cache misses per
 * lookup (table, node, key, value). Here the table is open-addressed (linear probing, at most
 * half full, deletion by shifting back): keys, their hashes and values sit in three parallel
 * arrays, so a lookup reads the hash array first and touches a key only when its hash matches,
 * and an entry is no object at all.
 *
 * <p>The key order is kept incrementally: the keys sorted at the last iteration are kept, the
 * keys added since are listed, and the next iteration sorts only those and merges (the kept run
 * is already sorted, which the sort detects). Changing a value keeps the order; removing a key
 * filters it out at the next iteration. Null values are allowed (and differ from absence).
 */
final class KeyOrderedMap<V> extends AbstractMap<String, V> {
    private String[] keys = new String[16];
    private int[] hashes = new int[16];
    private Object[] vals = new Object[16];
    private int size;
    /** The keys in order at the last iteration (those still present, plus some removed since). */
    private String[] sorted = new String[0];
    /** Keys added since that iteration (some may be removed since, or listed twice). */
    private String[] fresh = new String[4];
    private int freshCount;
    private boolean removedSinceSort;

    private static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** The slot of {@code key}, or {@code -(free slot) - 1} where it would go. */
    private int slot(String key) {
        int h = key.hashCode();
        int mask = keys.length - 1;
        int i = spread(h) & mask;
        while (true) {
            String k = keys[i];
            if (k == null) return -i - 1;
            if (hashes[i] == h && (k == key || k.equals(key))) return i;
            i = (i + 1) & mask;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        if (!(key instanceof String s)) return null;
        int i = slot(s);
        return i >= 0 ? (V) vals[i] : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String s && slot(s) >= 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V put(String key, V value) {
        int i = slot(key);
        if (i >= 0) {
            V old = (V) vals[i];
            vals[i] = value;
            return old;
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
            i = slot(key);
        }
        i = -i - 1;
        keys[i] = key;
        hashes[i] = key.hashCode();
        vals[i] = value;
        size++;
        if (freshCount == fresh.length) fresh = Arrays.copyOf(fresh, freshCount * 2);
        fresh[freshCount++] = key;
        return null;
    }

    private void grow() {
        String[] oldKeys = keys;
        int[] oldHashes = hashes;
        Object[] oldVals = vals;
        int n = oldKeys.length * 2;
        keys = new String[n];
        hashes = new int[n];
        vals = new Object[n];
        int mask = n - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] == null) continue;
            int i = spread(oldHashes[j]) & mask;
            while (keys[i] != null) i = (i + 1) & mask;
            keys[i] = oldKeys[j];
            hashes[i] = oldHashes[j];
            vals[i] = oldVals[j];
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public V remove(Object key) {
        if (!(key instanceof String s)) return null;
        int i = slot(s);
        if (i < 0) return null;
        V old = (V) vals[i];
        int mask = keys.length - 1;
        // shift back the entries of the probe run after i that may not stay behind the hole
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (keys[j] == null) break;
            int home = spread(hashes[j]) & mask;
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (stays) continue;
            keys[i] = keys[j];
            hashes[i] = hashes[j];
            vals[i] = vals[j];
            i = j;
        }
        keys[i] = null;
        vals[i] = null;
        size--;
        removedSinceSort = true;
        return old;
    }

    @Override
    public void clear() {
        Arrays.fill(keys, null);
        Arrays.fill(vals, null);
        size = 0;
        sorted = new String[0];
        freshCount = 0;
        removedSinceSort = false;
    }

    @Override
    public int size() {
        return size;
    }

    /** The keys in order (the array is kept: callers must not change it). */
    private String[] sortedKeys() {
        if (freshCount == 0 && !removedSinceSort) return sorted;
        String[] all = Arrays.copyOf(sorted, sorted.length + freshCount);
        System.arraycopy(fresh, 0, all, sorted.length, freshCount);
        Arrays.sort(all); // the kept keys are one sorted run: only the fresh ones are sorted, then merged
        String[] out = new String[size];
        int n = 0;
        for (String k : all) {
            if ((n > 0 && out[n - 1].equals(k)) || (removedSinceSort && !containsKey(k))) continue;
            out[n++] = k;
        }
        sorted = n == out.length ? out : Arrays.copyOf(out, n);
        fresh = new String[4];
        freshCount = 0;
        removedSinceSort = false;
        return sorted;
    }

    /** The entries in key order; removing through the iterator is not supported. */
    @Override
    public Set<Map.Entry<String, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, V>> iterator() {
                String[] order = sortedKeys();
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < order.length;
                    }

                    @Override
                    public Map.Entry<String, V> next() {
                        if (next >= order.length) throw new NoSuchElementException();
                        String k = order[next++];
                        return new SimpleImmutableEntry<>(k, get(k));
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
