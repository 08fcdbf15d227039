package dev.baton.runtime.value;

import org.pcollections.PSortedMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A map held in one module-state slot and updated in place. Hot handlers update one entry of a
 * large state map per event ({@code $contributions[{player}] = …}); a persistent sorted map
 * rebuilds a path of its tree for each of them, and even a {@link java.util.HashMap} misses the
 * cache four or five times per lookup (bucket, node, key, key bytes, boxed value) once the maps
 * outgrow the caches. Here one lookup reads one cache line.
 *
 * <p>Layout: an open-addressing table (linear probing, backward-shift deletion) of four longs
 * per slot — {@code meta} (hash, key length and flags), the first 16 bytes of a short Latin-1
 * key packed into two longs, and an Int value inline. Longer keys are compared through
 * {@link #keys}; values that are not Ints live in {@link #objects}. Both side arrays are read
 * only when needed, so a map of short keys to Ints (the common hot case) touches only
 * {@link #slots}.
 *
 * <p>Ownership: only an instance's state array (and the rollback copy of it that the running
 * handler holds) ever refers to a state map. Whenever the value is read as a whole it is
 * {@linkplain #freeze() frozen} first — the persistent sorted map is brought up to date with
 * the keys changed since the last freeze, so freezing costs what changed, not the map's size.
 * Lookups by key ({@code $m[k]}, {@code get($m, k, d)}, {@code contains}, {@code len}) read the
 * table.
 *
 * <p>Rollback: every change is recorded in the running fiber's undo log
 * ({@link #undo(List)} replays it backwards), so a failed handler leaves the map as it found it.
 */
public final class StateMap {
    private static final long USED = 1;
    private static final long LONG_KEY = 2;
    /** Flags that are not part of a key's identity. */
    private static final long INT_VALUE = 4;
    private static final long CHANGED = 8;
    private static final long KEY_MASK = ~(INT_VALUE | CHANGED);
    private static final int SHORT = 16;

    private long[] slots;
    private String[] keys;
    private Object[] objects;
    private int mask;
    private int size;
    private PSortedMap<String, Object> frozen;
    /** Keys changed since the last freeze (a present key at most once). */
    private final ArrayList<String> changed = new ArrayList<>();

    public StateMap(PSortedMap<String, Object> from) {
        int cap = 16;
        while (cap < from.size() * 2) cap <<= 1;
        allocate(cap);
        for (Map.Entry<String, Object> e : from.entrySet()) {
            int s = ~find(e.getKey());
            insert(s, e.getKey());
            store(s, e.getValue());
        }
        this.frozen = from;
    }

    /** The value at {@code key}, or null when there is none. */
    public Object get(String key) {
        int s = find(key);
        return s < 0 ? null : value(s);
    }

    public int size() {
        return size;
    }

    /**
     * Sets {@code key} to {@code value} ({@link None#NONE} removes it) and returns what was there
     * before (null when nothing was).
     */
    public Object put(String key, Object value) {
        int s = find(key);
        if (value == None.NONE) {
            if (s < 0) return null;
            Object old = value(s);
            remove(s);
            changed.add(key);
            // a key added and removed over and over is listed each time: keep the list as short as the map
            if (changed.size() > 2 * size + 64) freeze();
            return old;
        }
        Object old = null;
        if (s < 0) {
            if ((size + 1) * 2 > slots.length / 4) {
                grow();
                s = find(key);
            }
            s = ~s;
            insert(s, key);
        } else {
            old = value(s);
        }
        store(s, value);
        int b = s << 2;
        if ((slots[b] & CHANGED) == 0) {
            slots[b] |= CHANGED;
            changed.add(key);
        }
        return old;
    }

    /** The current value as a persistent sorted map (cached until the next change). */
    public PSortedMap<String, Object> freeze() {
        if (!changed.isEmpty()) {
            PSortedMap<String, Object> m = frozen;
            for (String k : changed) {
                int s = find(k);
                if (s < 0) {
                    m = m.minus(k);
                } else {
                    m = m.plus(k, value(s));
                    slots[s << 2] &= ~CHANGED;
                }
            }
            frozen = m;
            changed.clear();
        }
        return frozen;
    }

    /**
     * Undoes changes recorded as (state map, key, old value or null) triples, newest last, for
     * this map only; triples of other maps are skipped.
     */
    public void undo(List<Object> log) {
        for (int i = log.size() - 3; i >= 0; i -= 3) {
            if (log.get(i) != this) continue;
            Object old = log.get(i + 2);
            put((String) log.get(i + 1), old == null ? None.NONE : old);
        }
    }

    /** The value this map had before the changes in {@code log}, without changing the map. */
    public PSortedMap<String, Object> frozenBefore(List<Object> log) {
        PSortedMap<String, Object> m = freeze();
        for (int i = log.size() - 3; i >= 0; i -= 3) {
            if (log.get(i) != this) continue;
            String k = (String) log.get(i + 1);
            Object old = log.get(i + 2);
            m = old == null ? m.minus(k) : m.plus(k, old);
        }
        return m;
    }

    /**
     * Its keys in key order (the order of the frozen map), without freezing: for a writer that
     * reads the whole map once (a snapshot), where freezing would build a persistent map of every
     * key changed since the last freeze only to be thrown away.
     */
    public String[] sortedKeys() {
        String[] sorted = new String[size];
        int n = 0;
        for (int s = 0; s < keys.length; s++) if (slots[s << 2] != 0) sorted[n++] = keys[s];
        java.util.Arrays.sort(sorted);
        return sorted;
    }

    /** {@code v}, frozen if it is a state map: what every reader of a whole value must see. */
    public static Object plain(Object v) {
        return v instanceof StateMap s ? s.freeze() : v;
    }

    @Override
    public String toString() {
        return "StateMap" + freeze();
    }

    // ------------------------------------------------------------------ table

    private void allocate(int cap) {
        slots = new long[cap * 4];
        keys = new String[cap];
        objects = new Object[cap];
        mask = cap - 1;
        size = 0;
    }

    private static boolean isShort(String k) {
        if (k.length() > SHORT) return false;
        for (int i = 0; i < k.length(); i++) if (k.charAt(i) > 0xff) return false;
        return true;
    }

    private static long pack(String k, int from) {
        long x = 0;
        int n = Math.min(8, k.length() - from);
        for (int i = 0; i < n; i++) x |= ((long) k.charAt(from + i)) << (8 * i);
        return x;
    }

    private static long meta(String k, int h, boolean shortKey) {
        return ((long) h << 32) | ((long) Math.min(k.length(), 0xffff) << 8) | (shortKey ? 0 : LONG_KEY) | USED;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    /** The key last looked up, and its packed form (a handler reads, then writes, the same key object). */
    private String lastKey;
    private boolean lastShort;
    private long lastMeta;
    private long lastK0;
    private long lastK1;

    /** The slot holding {@code key}, or {@code ~slot} of the free slot where it would go. */
    private int find(String key) {
        if (key != lastKey) {
            int h = key.hashCode();
            boolean shortKey = isShort(key);
            lastMeta = meta(key, h, shortKey);
            lastK0 = shortKey ? pack(key, 0) : 0;
            lastK1 = shortKey && key.length() > 8 ? pack(key, 8) : 0;
            lastShort = shortKey;
            lastKey = key;
        }
        boolean shortKey = lastShort;
        long meta = lastMeta;
        long k0 = lastK0;
        long k1 = lastK1;
        int i = spread((int) (meta >>> 32)) & mask;
        while (true) {
            int b = i << 2;
            long m = slots[b];
            if (m == 0) return ~i;
            if ((m & KEY_MASK) == meta) {
                if (shortKey ? slots[b + 1] == k0 && slots[b + 2] == k1 : keys[i].equals(key)) return i;
            }
            i = (i + 1) & mask;
        }
    }

    private void insert(int s, String key) {
        boolean shortKey = isShort(key);
        int b = s << 2;
        slots[b] = meta(key, key.hashCode(), shortKey);
        slots[b + 1] = shortKey ? pack(key, 0) : 0;
        slots[b + 2] = shortKey && key.length() > 8 ? pack(key, 8) : 0;
        keys[s] = key;
        size++;
    }

    private void store(int s, Object value) {
        int b = s << 2;
        if (value instanceof Long l) {
            slots[b] |= INT_VALUE;
            slots[b + 3] = l;
            objects[s] = null;
        } else {
            slots[b] &= ~INT_VALUE;
            slots[b + 3] = 0;
            objects[s] = value;
        }
    }

    private Object value(int s) {
        int b = s << 2;
        return (slots[b] & INT_VALUE) != 0 ? (Object) slots[b + 3] : objects[s];
    }

    /** Removes slot {@code s}, shifting later members of its probe run back (no tombstones). */
    private void remove(int s) {
        size--;
        int gap = s;
        int i = s;
        while (true) {
            i = (i + 1) & mask;
            long m = slots[i << 2];
            if (m == 0) break;
            int home = spread((int) (m >>> 32)) & mask;
            // the entry at i may move into the gap if its home is not in (gap, i] (cyclically)
            boolean movable = gap <= i ? (home <= gap || home > i) : (home <= gap && home > i);
            if (movable) {
                System.arraycopy(slots, i << 2, slots, gap << 2, 4);
                keys[gap] = keys[i];
                objects[gap] = objects[i];
                gap = i;
            }
        }
        int b = gap << 2;
        slots[b] = slots[b + 1] = slots[b + 2] = slots[b + 3] = 0;
        keys[gap] = null;
        objects[gap] = null;
    }

    private void grow() {
        long[] oldSlots = slots;
        String[] oldKeys = keys;
        Object[] oldObjects = objects;
        int n = size;
        allocate(keys.length * 2);
        for (int s = 0; s < oldKeys.length; s++) {
            long m = oldSlots[s << 2];
            if (m == 0) continue;
            int i = spread((int) (m >>> 32)) & mask;
            while (slots[i << 2] != 0) i = (i + 1) & mask;
            System.arraycopy(oldSlots, s << 2, slots, i << 2, 4);
            keys[i] = oldKeys[s];
            objects[i] = oldObjects[s];
        }
        size = n;
    }
}
