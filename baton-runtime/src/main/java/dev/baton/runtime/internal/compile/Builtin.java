package dev.baton.runtime.internal.compile;

import dev.baton.runtime.plan.Ev;

import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.StateMap;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Run-time implementations of the built-in functions (signatures: the checker's Builtins). */
final class Builtin {
    @FunctionalInterface
    interface Fn {
        Object apply(Fiber f, Object[] a);
    }

    private Builtin() {
    }

    /**
     * A call of builtin {@code name} ({@code fn}) with argument expressions {@code args}: the ones
     * every hot handler uses are called directly (no argument array, no call through the table);
     * a call whose arguments are all literals ({@code random_int(50, 150)}) shares one argument
     * array (builtins only read theirs); any other evaluates its arguments into a fresh array.
     */
    static Ev call(String name, Fn fn, Ev[] args, boolean literals) {
        if (name.equals("str") && args.length == 1) {
            Ev a0 = args[0];
            return f -> Values.str(a0.eval(f));
        }
        if (name.equals("get") && args.length == 3) {
            Ev a0 = args[0];
            Ev a1 = args[1];
            Ev a2 = args[2];
            return f -> {
                Object container = a0.eval(f);
                Object key = a1.eval(f);
                return get(container, key, a2.eval(f));
            };
        }
        if (literals) {
            Object[] constant = new Object[args.length];
            for (int i = 0; i < constant.length; i++) constant[i] = args[i].eval(null);
            return f -> fn.apply(f, constant);
        }
        return f -> {
            Object[] a = new Object[args.length];
            for (int i = 0; i < a.length; i++) a[i] = args[i].eval(f);
            return fn.apply(f, a);
        };
    }

    static Fn get(String name) {
        return switch (name) {
            case "now" -> (f, a) -> f.ctx.now();
            case "random" -> (f, a) -> f.ctx.random();
            case "random_int" -> (f, a) -> {
                long lo = Values.asLong(a[0]);
                long hi = Values.asLong(a[1]);
                if (hi < lo) throw new ValueError("random_int(" + lo + ", " + hi + "): the upper bound is below the lower");
                return lo + (long) Math.floor(f.ctx.random() * (hi - lo + 1));
            };
            case "uuid" -> (f, a) -> f.ctx.uuid();
            case "len" -> (f, a) -> (long) len(a[0]);
            case "min" -> (f, a) -> extreme(a, -1);
            case "max" -> (f, a) -> extreme(a, 1);
            case "abs" -> (f, a) -> a[0] instanceof Long l ? (Object) Math.abs(l) : (Object) Math.abs(Values.asDouble(a[0]));
            case "floor" -> (f, a) -> toLong(Math.floor(Values.asDouble(a[0])));
            case "ceil" -> (f, a) -> toLong(Math.ceil(Values.asDouble(a[0])));
            case "round" -> (f, a) -> toLong(Math.rint(Values.asDouble(a[0])));
            case "sqrt" -> (f, a) -> Math.sqrt(Values.asDouble(a[0]));
            case "pow" -> (f, a) -> Math.pow(Values.asDouble(a[0]), Values.asDouble(a[1]));
            case "str" -> (f, a) -> Values.str(a[0]);
            case "int" -> (f, a) -> toInt(a[0]);
            case "float" -> (f, a) -> toFloat(a[0]);
            case "keys" -> (f, a) -> TreePVector.<Object>from(new ArrayList<>(Values.map(a[0]).keySet()));
            case "values" -> (f, a) -> TreePVector.<Object>from(new ArrayList<>(Values.map(a[0]).values()));
            case "range" -> (f, a) -> range(a);
            case "append" -> (f, a) -> Values.list(a[0]).plus(a[1]);
            case "contains" -> (f, a) -> contains(a[0], a[1]);
            case "sum" -> (f, a) -> {
                Object total = 0L;
                for (Object o : Values.list(a[0])) total = Values.add(total, o);
                return total;
            };
            case "sort" -> (f, a) -> {
                List<Object> l = new ArrayList<>(Values.list(a[0]));
                l.sort(Values::compare);
                return TreePVector.from(l);
            };
            case "reverse" -> (f, a) -> {
                List<Object> l = new ArrayList<>(Values.list(a[0]));
                java.util.Collections.reverse(l);
                return TreePVector.from(l);
            };
            case "slice" -> (f, a) -> {
                PVector<Object> l = Values.list(a[0]);
                int from = (int) Math.max(0, Math.min(l.size(), Values.asLong(a[1])));
                int to = a.length > 2 ? (int) Math.max(from, Math.min(l.size(), Values.asLong(a[2]))) : l.size();
                return range(l, from, to);
            };
            case "chunks" -> (f, a) -> {
                PVector<Object> l = Values.list(a[0]);
                long n = Values.asLong(a[1]);
                if (n < 1) throw new ValueError("chunks(): the size must be at least 1");
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < l.size(); i += (int) n) out.add(range(l, i, (int) Math.min(l.size(), i + n)));
                return TreePVector.from(out);
            };
            case "rank" -> (f, a) -> {
                List<Map.Entry<String, Object>> entries = new ArrayList<>(Values.map(a[0]).entrySet());
                entries.sort(Comparator.<Map.Entry<String, Object>, Object>comparing(Map.Entry::getValue, (x, y) -> -Values.compare(x, y))
                        .thenComparing(Map.Entry::getKey));
                List<Object> keys = new ArrayList<>(entries.size());
                for (Map.Entry<String, Object> e : entries) keys.add(e.getKey());
                return TreePVector.from(keys);
            };
            case "total" -> (f, a) -> total(a[0]);
            case "stat" -> (f, a) -> f.ctx.stat(Values.asString(a[0]));
            case "count_keys" -> (f, a) -> {
                long n = 0;
                for (Object m : Values.list(a[0])) if (m instanceof PSortedMap<?, ?> pm) n += pm.size();
                return n;
            };
            case "distinct_keys" -> (f, a) -> {
                java.util.Set<String> keys = new java.util.HashSet<>();
                for (Object m : Values.list(a[0])) if (m instanceof PSortedMap<?, ?> pm) keys.addAll(Values.map(pm).keySet());
                return (long) keys.size();
            };
            case "get" -> (f, a) -> get(a[0], a[1], a.length > 2 ? a[2] : None.NONE);
            case "is_number" -> (f, a) -> a[0] instanceof Long || a[0] instanceof Double d && !d.isNaN() && !d.isInfinite();
            case "type_of" -> (f, a) -> Values.typeName(a[0]);
            case "hash" -> (f, a) -> Values.stableHash(a[0]);
            case "ms" -> (f, a) -> Values.asDuration(a[0]).toMillis();
            case "duration_ms" -> (f, a) -> Duration.ofNanos(Math.round(Values.asDouble(a[0]) * 1e6));
            default -> null;
        };
    }

    static Object index(Object container, Object key) {
        if (container instanceof StateMap s) {
            Object v = s.get(Values.asString(key));
            return v == null ? None.NONE : v;
        }
        if (container instanceof PVector<?> l) {
            return listGetStrict(Values.list(l), key);
        }
        if (container instanceof PSortedMap<?, ?> m) {
            Object v = Values.map(m).get(Values.asString(key));
            return v == null ? None.NONE : v;
        }
        if (container instanceof String s && key instanceof Long i) {
            if (i < 0 || i >= s.length()) throw new ValueError("index " + i + " is outside the string (length " + s.length() + ")");
            return String.valueOf(s.charAt((int) (long) i));
        }
        if (container == None.NONE) throw new ValueError("cannot read " + Values.show(key) + " of none");
        throw new ValueError("cannot index a " + Values.typeName(container));
    }

    private static Object listGetStrict(PVector<Object> l, Object key) {
        long i = Values.asLong(key);
        if (i < 0 || i >= l.size()) throw new ValueError("index " + i + " is outside the list (size " + l.size() + ")");
        return l.get((int) i);
    }

    /** {@code get(container, key, fallback)}: the entry of a map (a state map read in place) or a list, else {@code fallback}. */
    static Object get(Object container, Object key, Object fallback) {
        Object v = container instanceof StateMap s ? s.get(Values.asString(key))
                : container instanceof PSortedMap<?, ?> m ? Values.map(m).get(Values.asString(key))
                : container instanceof PVector<?> l ? listGet(Values.list(l), key) : null;
        if (v == null || v == None.NONE) return fallback;
        return v;
    }

    private static Object listGet(PVector<Object> l, Object key) {
        long i = Values.asLong(key);
        return i < 0 || i >= l.size() ? null : l.get((int) i);
    }

    private static Object total(Object v) {
        if (Values.isNumber(v)) return v;
        Object sum = 0L;
        if (v instanceof PVector<?> l) for (Object o : l) sum = Values.add(sum, total(o));
        if (v instanceof PSortedMap<?, ?> m) for (Object o : m.values()) sum = Values.add(sum, total(o));
        return sum;
    }

    /**
     * Elements {@code from} (inclusive) to {@code to} of a list, as a new list: the persistent
     * vector's own subList removes the elements outside one at a time.
     */
    private static PVector<Object> range(PVector<Object> l, int from, int to) {
        if (from == 0 && to == l.size()) return l;
        List<Object> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) out.add(l.get(i));
        return TreePVector.from(out);
    }

    private static int len(Object v) {
        if (v instanceof String s) return s.length();
        if (v instanceof PVector<?> l) return l.size();
        if (v instanceof PSortedMap<?, ?> m) return m.size();
        if (v instanceof StateMap s) return s.size();
        throw new ValueError("len() needs a String, List or Map, not " + Values.typeName(v));
    }

    private static Object extreme(Object[] a, int sign) {
        Iterable<?> items = a.length == 1 ? Values.list(a[0]) : List.of(a);
        Object best = null;
        for (Object o : items) {
            if (best == null || Values.compare(o, best) * sign > 0) best = o;
        }
        if (best == null) throw new ValueError((sign < 0 ? "min" : "max") + "() of an empty list");
        return best;
    }

    private static Object toLong(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d) || Math.abs(d) > 9.2e18) throw new ValueError("cannot make an Int of " + d);
        return (long) d;
    }

    private static Object toInt(Object v) {
        if (v instanceof Long) return v;
        if (v instanceof Double d) return toLong(d < 0 ? Math.ceil(d) : Math.floor(d));
        if (v instanceof Boolean b) return b ? 1L : 0L;
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new ValueError("int(): " + Values.show(s) + " is not a whole number");
            }
        }
        throw new ValueError("int() cannot convert a " + Values.typeName(v));
    }

    private static Object toFloat(Object v) {
        if (Values.isNumber(v)) return Values.asDouble(v);
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw new ValueError("float(): " + Values.show(s) + " is not a number");
            }
        }
        throw new ValueError("float() cannot convert a " + Values.typeName(v));
    }

    private static Object range(Object[] a) {
        long from = a.length == 1 ? 0 : Values.asLong(a[0]);
        long to = Values.asLong(a.length == 1 ? a[0] : a[1]);
        long step = a.length == 3 ? Values.asLong(a[2]) : 1;
        if (step == 0) throw new ValueError("range(): the step cannot be 0");
        long count = step > 0 ? Math.max(0, (to - from + step - 1) / step) : Math.max(0, (from - to - step - 1) / -step);
        if (count > 10_000_000) throw new ValueError("range() of " + count + " numbers is too large (limit 10,000,000)");
        List<Object> out = new ArrayList<>((int) count);
        for (long i = 0, v = from; i < count; i++, v += step) out.add(v);
        return TreePVector.from(out);
    }

    private static boolean contains(Object c, Object x) {
        if (c instanceof PVector<?> l) {
            for (Object o : l) if (Values.equal(o, x)) return true;
            return false;
        }
        if (c instanceof PSortedMap<?, ?> m) return x instanceof String s && Values.map(m).containsKey(s);
        if (c instanceof StateMap m) return x instanceof String s && m.get(s) != null;
        if (c instanceof String s) return s.contains(Values.str(x));
        throw new ValueError("contains() needs a List, Map or String, not " + Values.typeName(c));
    }
}
