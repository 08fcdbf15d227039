package dev.baton.runtime.internal.compile;

import dev.baton.runtime.plan.Ev;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.StateMap;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;
import org.pcollections.PVector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.function.UnaryOperator;

/**
 * Something that can be assigned: a local slot, a module state slot or a global, followed by
 * a path of fields and indexes. Updates are persistent (the containers are rebuilt along the
 * path), so no other holder of the old value ever sees the change.
 */
final class Place {
    enum Root { LOCAL, STATE, GLOBAL }

    final Root root;
    final int slot;
    final String global;
    final Ev[] path;
    final String text;

    Place(Root root, int slot, String global, Ev[] path, String text) {
        this.root = root;
        this.slot = slot;
        this.global = global;
        this.path = path;
        this.text = text;
    }

    Object get(Fiber f) {
        Object v = rootValue(f);
        for (Ev step : path) v = Builtin.index(v, step.eval(f));
        return StateMap.plain(v);
    }

    void set(Fiber f, Object value) {
        if (path.length == 1 && root == Root.STATE) {
            // $m[k] = v on a map in module state (a hot handler's typical write): one entry changed in place
            Object k = path[0].eval(f);
            Object rootVal = f.ctx.state(f)[slot];
            if (k instanceof String key && rootVal instanceof StateMap map) {
                stateForWrite(f);
                Object old = map.put(key, value);
                if (f.undo == null) f.undo = f.newUndoLog();
                f.undo.add(map);
                f.undo.add(key);
                f.undo.add(old);
                return;
            }
            updateWith(f, new Replace(value), new Object[] {k});
            return;
        }
        update(f, new Replace(value));
    }

    /** A plain assignment: the old value at the end of the path need not be looked up. */
    private record Replace(Object value) implements UnaryOperator<Object> {
        @Override
        public Object apply(Object old) {
            return value;
        }
    }

    /** Applies {@code fn} to the current value and stores the result; returns it. */
    Object update(Fiber f, UnaryOperator<Object> fn) {
        Object[] keys = new Object[path.length];
        for (int i = 0; i < path.length; i++) keys[i] = path[i].eval(f);
        return updateWith(f, fn, keys);
    }

    /** {@link #update} with the path's keys already evaluated (each is evaluated once, in order). */
    private Object updateWith(Fiber f, UnaryOperator<Object> fn, Object[] keys) {
        Object rootVal = rootValue(f);
        Object[] result = new Object[1];
        if (root == Root.STATE && keys.length > 0 && keys[0] instanceof String k
                && (rootVal instanceof StateMap || rootVal instanceof PSortedMap<?, ?> || rootVal == None.NONE)) {
            updateStateMap(f, rootVal, k, keys, fn, result);
            return result[0];
        }
        Object newRoot = updateIn(StateMap.plain(rootVal), keys, 0, fn, result);
        storeRoot(f, newRoot);
        return result[0];
    }

    /**
     * An update below a map in module state: the slot's {@link StateMap} (made on the first
     * such update) changes in place, one entry, and the old entry goes to the fiber's undo log.
     */
    private void updateStateMap(Fiber f, Object rootVal, String k, Object[] keys, UnaryOperator<Object> fn, Object[] result) {
        Object[] state = stateForWrite(f);
        StateMap map;
        if (rootVal instanceof StateMap s) {
            map = s;
        } else {
            map = new StateMap(rootVal == None.NONE ? Values.EMPTY_MAP : Values.map(rootVal));
            state[slot] = map;
        }
        Object old = keys.length == 1 && fn instanceof Replace ? null : map.get(k);
        Object updated = updateIn(old == null ? None.NONE : old, keys, 1, fn, result);
        old = map.put(k, updated);
        if (f.undo == null) f.undo = f.newUndoLog();
        f.undo.add(map);
        f.undo.add(k);
        f.undo.add(old);
    }

    private Object updateIn(Object container, Object[] keys, int i, UnaryOperator<Object> fn, Object[] result) {
        if (i == keys.length) {
            Object v = fn.apply(container);
            result[0] = v;
            return v;
        }
        Object key = keys[i];
        if (container instanceof PVector<?> l) {
            PVector<Object> list = Values.list(l);
            int idx = (int) Values.asLong(key);
            if (idx < 0 || idx >= list.size()) throw new ValueError("index " + idx + " is outside the list (size " + list.size() + ")");
            return list.with(idx, updateIn(list.get(idx), keys, i + 1, fn, result));
        }
        if (container instanceof PSortedMap<?, ?> || container == None.NONE || container == null) {
            PSortedMap<String, Object> map = container instanceof PSortedMap<?, ?> ? Values.map(container) : Values.EMPTY_MAP;
            if (!(key instanceof String k)) throw new ValueError("a map key is a String, not " + Values.typeName(key));
            // one tree search, not two (getOrDefault is containsKey + get), and none at all when
            // the last key is simply overwritten
            Object old = i == keys.length - 1 && fn instanceof Replace ? None.NONE : map.get(k);
            Object updated = updateIn(old == null ? None.NONE : old, keys, i + 1, fn, result);
            return updated == None.NONE ? map.minus(k) : map.plus(k, updated);
        }
        throw new ValueError("cannot set " + Values.show(key) + " in a " + Values.typeName(container) + " (in " + text + ")");
    }

    /** The fiber's instance state, about to be written: the first write of a handler keeps a copy for rollback. */
    static Object[] stateForWrite(Fiber f) {
        Object[] state = f.ctx.state(f);
        if (f.rollbackState == null) f.rollbackState = f.copyForRollback(state);
        return state;
    }

    private Object rootValue(Fiber f) {
        return switch (root) {
            case LOCAL -> {
                Object v = f.locals[slot];
                yield v == null ? None.NONE : v;
            }
            case STATE -> f.ctx.state(f)[slot];
            case GLOBAL -> f.ctx.global(global);
        };
    }

    private void storeRoot(Fiber f, Object v) {
        switch (root) {
            case LOCAL -> f.locals[slot] = v;
            case STATE -> {
                stateForWrite(f)[slot] = v;
            }
            case GLOBAL -> {
                if (!f.frames.isEmpty()) f.ctx.checkFences(f);
                if (f.rollbackGlobals == null) f.rollbackGlobals = new HashMap<>();
                f.rollbackGlobals.putIfAbsent(global, f.ctx.global(global));
                f.ctx.setGlobal(f, global, v);
            }
        }
    }
}
