package dev.baton.runtime.value;

import org.pcollections.AbstractUnmodifiableMap;
import org.pcollections.PSortedMap;
import org.pcollections.PSortedSet;
import org.pcollections.TreePMap;

import java.util.AbstractSet;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A persistent sorted map of at most {@value #MAX} String keys in two sorted arrays: the
 * payloads and records a program builds per event ({@code Emit E { a: …, b: …, c: … }}). Building
 * one from a literal whose keys were sorted at compile time costs two array copies; a lookup is
 * a short scan. It is a {@link PSortedMap} like {@link TreePMap} and equal to one with the same
 * entries; growing past {@value #MAX} keys, and the navigation methods, go through an equal
 * {@link TreePMap} (built once, when first needed).
 */
public final class SmallMap extends AbstractUnmodifiableMap<String, Object> implements PSortedMap<String, Object> {
    public static final int MAX = 8;

    private final String[] keys;
    private final Object[] values;
    private TreePMap<String, Object> tree;
    private Set<Entry<String, Object>> entries;

    private SmallMap(String[] keys, Object[] values) {
        this.keys = keys;
        this.values = values;
    }

    /**
     * A map of {@code keys[i] -> values[i]} for the first {@code n} entries; {@code keys} must be
     * sorted and distinct. Entries whose value is {@link None#NONE} are left out (a map never
     * holds none). When every value is kept and both arrays are exactly {@code n} long the map
     * takes them as they are — the caller must not change either afterwards (a map literal: its
     * keys fixed when the program is compiled, its values a fresh array per evaluation); else
     * they are copied.
     */
    public static PSortedMap<String, Object> ofSorted(String[] keys, Object[] values, int n) {
        int kept = 0;
        for (int i = 0; i < n; i++) if (values[i] != None.NONE) kept++;
        if (kept == n && keys.length == n && values.length == n && kept > 0) return new SmallMap(keys, values);
        String[] k = new String[kept];
        Object[] v = new Object[kept];
        int j = 0;
        for (int i = 0; i < n; i++) {
            if (values[i] == None.NONE) continue;
            k[j] = keys[i];
            v[j++] = values[i];
        }
        return new SmallMap(k, v);
    }

    /** The i-th key and value in key order (for hashing without an entry per pair). */
    String keyAt(int i) {
        return keys[i];
    }

    Object valueAt(int i) {
        return values[i];
    }

    private int indexOf(Object key) {
        for (int i = 0; i < keys.length; i++) if (keys[i].equals(key)) return i;
        return -1;
    }

    @Override
    public Object get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public boolean isEmpty() {
        return keys.length == 0;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        if (entries == null) {
            entries = new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        int i;

                        @Override
                        public boolean hasNext() {
                            return i < keys.length;
                        }

                        @Override
                        public Entry<String, Object> next() {
                            if (i >= keys.length) throw new NoSuchElementException();
                            Entry<String, Object> e = new SimpleImmutableEntry<>(keys[i], values[i]);
                            i++;
                            return e;
                        }
                    };
                }

                @Override
                public int size() {
                    return keys.length;
                }
            };
        }
        return entries;
    }

    /** The same entries as a tree, for everything the arrays do not do themselves. */
    private TreePMap<String, Object> tree() {
        if (tree == null) tree = TreePMap.from(this);
        return tree;
    }

    // ------------------------------------------------------------------ persistent updates

    @Override
    public PSortedMap<String, Object> plus(String key, Object value) {
        int i = indexOf(key);
        if (i >= 0) {
            if (values[i] == value) return this;
            Object[] v = values.clone();
            v[i] = value;
            return new SmallMap(keys, v);
        }
        if (keys.length >= MAX) return tree().plus(key, value);
        int at = 0;
        while (at < keys.length && keys[at].compareTo(key) < 0) at++;
        String[] k = new String[keys.length + 1];
        Object[] v = new Object[keys.length + 1];
        System.arraycopy(keys, 0, k, 0, at);
        System.arraycopy(values, 0, v, 0, at);
        k[at] = key;
        v[at] = value;
        System.arraycopy(keys, at, k, at + 1, keys.length - at);
        System.arraycopy(values, at, v, at + 1, keys.length - at);
        return new SmallMap(k, v);
    }

    @Override
    public PSortedMap<String, Object> plusAll(Map<? extends String, ?> map) {
        PSortedMap<String, Object> out = this;
        for (Entry<? extends String, ?> e : map.entrySet()) out = out.plus(e.getKey(), e.getValue());
        return out;
    }

    @Override
    public PSortedMap<String, Object> minus(Object key) {
        int i = indexOf(key);
        if (i < 0) return this;
        String[] k = new String[keys.length - 1];
        Object[] v = new Object[keys.length - 1];
        System.arraycopy(keys, 0, k, 0, i);
        System.arraycopy(values, 0, v, 0, i);
        System.arraycopy(keys, i + 1, k, i, keys.length - i - 1);
        System.arraycopy(values, i + 1, v, i, keys.length - i - 1);
        return new SmallMap(k, v);
    }

    @Override
    public PSortedMap<String, Object> minusAll(Collection<?> list) {
        PSortedMap<String, Object> out = this;
        for (Object k : list) out = out.minus(k);
        return out;
    }

    // ------------------------------------------------------------------ navigation (through the tree)

    @Override
    public Comparator<? super String> comparator() {
        return tree().comparator();
    }

    @Override
    public PSortedSet<String> keySet() {
        return tree().keySet();
    }

    @Override
    public PSortedSet<String> navigableKeySet() {
        return tree().navigableKeySet();
    }

    @Override
    public PSortedSet<String> descendingKeySet() {
        return tree().descendingKeySet();
    }

    @Override
    public PSortedMap<String, Object> descendingMap() {
        return tree().descendingMap();
    }

    @Override
    public PSortedMap<String, Object> headMap(String to) {
        return tree().headMap(to);
    }

    @Override
    public PSortedMap<String, Object> headMap(String to, boolean inclusive) {
        return tree().headMap(to, inclusive);
    }

    @Override
    public PSortedMap<String, Object> subMap(String from, String to) {
        return tree().subMap(from, to);
    }

    @Override
    public PSortedMap<String, Object> subMap(String from, boolean fromInclusive, String to, boolean toInclusive) {
        return tree().subMap(from, fromInclusive, to, toInclusive);
    }

    @Override
    public PSortedMap<String, Object> tailMap(String from) {
        return tree().tailMap(from);
    }

    @Override
    public PSortedMap<String, Object> tailMap(String from, boolean inclusive) {
        return tree().tailMap(from, inclusive);
    }

    @Override
    public PSortedMap<String, Object> minusFirstEntry() {
        return keys.length == 0 ? this : minus(keys[0]);
    }

    @Override
    public PSortedMap<String, Object> minusLastEntry() {
        return keys.length == 0 ? this : minus(keys[keys.length - 1]);
    }

    @Override
    public String firstKey() {
        if (keys.length == 0) throw new NoSuchElementException();
        return keys[0];
    }

    @Override
    public String lastKey() {
        if (keys.length == 0) throw new NoSuchElementException();
        return keys[keys.length - 1];
    }

    @Override
    public Entry<String, Object> firstEntry() {
        return keys.length == 0 ? null : new SimpleImmutableEntry<>(keys[0], values[0]);
    }

    @Override
    public Entry<String, Object> lastEntry() {
        return keys.length == 0 ? null : new SimpleImmutableEntry<>(keys[keys.length - 1], values[keys.length - 1]);
    }

    @Override
    public Entry<String, Object> lowerEntry(String key) {
        return tree().lowerEntry(key);
    }

    @Override
    public String lowerKey(String key) {
        return tree().lowerKey(key);
    }

    @Override
    public Entry<String, Object> floorEntry(String key) {
        return tree().floorEntry(key);
    }

    @Override
    public String floorKey(String key) {
        return tree().floorKey(key);
    }

    @Override
    public Entry<String, Object> ceilingEntry(String key) {
        return tree().ceilingEntry(key);
    }

    @Override
    public String ceilingKey(String key) {
        return tree().ceilingKey(key);
    }

    @Override
    public Entry<String, Object> higherEntry(String key) {
        return tree().higherEntry(key);
    }

    @Override
    public String higherKey(String key) {
        return tree().higherKey(key);
    }

}
