package dev.baton.runtime.value;

import org.pcollections.PSortedMap;
import org.pcollections.PVector;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

import java.time.Duration;
import java.util.Map;

/**
 * Operations on Baton values. The representation is plain Java, immutable throughout:
 *
 * <table>
 *   <caption>value representation</caption>
 *   <tr><td>none</td><td>{@link None#NONE}</td></tr>
 *   <tr><td>Bool, Int, Float, String</td><td>Boolean, Long, Double, String</td></tr>
 *   <tr><td>Duration</td><td>{@link Duration}</td></tr>
 *   <tr><td>List</td><td>{@link PVector} (persistent)</td></tr>
 *   <tr><td>Map and records</td><td>{@link PSortedMap} with String keys (persistent, sorted, so iteration
 *   order is the same on every run and engine)</td></tr>
 * </table>
 *
 * Persistent collections give value semantics without copying: a fiber, a snapshot and an
 * instance's state can share a map safely.
 */
public final class Values {
    public static final PSortedMap<String, Object> EMPTY_MAP = TreePMap.empty();
    public static final PVector<Object> EMPTY_LIST = TreePVector.empty();

    private Values() {
    }

    public static Object of(long v) {
        return v;
    }

    @SuppressWarnings("unchecked")
    public static PSortedMap<String, Object> map(Object v) {
        if (v instanceof PSortedMap<?, ?> m) return (PSortedMap<String, Object>) m;
        if (v instanceof StateMap s) return s.freeze();
        throw new ValueError("expected a map, got " + typeName(v));
    }

    @SuppressWarnings("unchecked")
    public static PVector<Object> list(Object v) {
        if (v instanceof PVector<?> l) return (PVector<Object>) l;
        throw new ValueError("expected a list, got " + typeName(v));
    }

    public static PSortedMap<String, Object> mapOf(Map<String, Object> m) {
        return TreePMap.from(m);
    }

    public static String typeName(Object v) {
        if (v == None.NONE || v == null) return "none";
        if (v instanceof Long) return "Int";
        if (v instanceof Double) return "Float";
        if (v instanceof Boolean) return "Bool";
        if (v instanceof String) return "String";
        if (v instanceof Duration) return "Duration";
        if (v instanceof PVector) return "List";
        if (v instanceof PSortedMap || v instanceof StateMap) return "Map";
        return v.getClass().getSimpleName();
    }

    public static boolean truthy(Object v) {
        if (v instanceof Boolean b) return b;
        throw new ValueError("expected a Bool, got " + typeName(v) + " " + show(v));
    }

    public static long asLong(Object v) {
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) return d.longValue();
        throw new ValueError("expected an Int, got " + typeName(v) + " " + show(v));
    }

    public static double asDouble(Object v) {
        if (v instanceof Long l) return l;
        if (v instanceof Double d) return d;
        throw new ValueError("expected a number, got " + typeName(v) + " " + show(v));
    }

    public static String asString(Object v) {
        if (v instanceof String s) return s;
        throw new ValueError("expected a String, got " + typeName(v));
    }

    public static Duration asDuration(Object v) {
        if (v instanceof Duration d) return d;
        throw new ValueError("expected a Duration, got " + typeName(v) + " " + show(v));
    }

    // ------------------------------------------------------------------ arithmetic

    public static Object add(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            try {
                return Math.addExact(x, y);
            } catch (ArithmeticException e) {
                throw new ValueError("integer overflow in " + x + " + " + y);
            }
        }
        if (a instanceof String || b instanceof String) return str(a) + str(b);
        if (isNumber(a) && isNumber(b)) return asDouble(a) + asDouble(b);
        if (a instanceof Duration x && b instanceof Duration y) return x.plus(y);
        if (a instanceof PVector<?> x && b instanceof PVector<?> y) return list(x).plusAll(list(y));
        throw new ValueError("cannot add " + typeName(a) + " and " + typeName(b));
    }

    public static Object sub(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            try {
                return Math.subtractExact(x, y);
            } catch (ArithmeticException e) {
                throw new ValueError("integer overflow in " + x + " - " + y);
            }
        }
        if (isNumber(a) && isNumber(b)) return asDouble(a) - asDouble(b);
        if (a instanceof Duration x && b instanceof Duration y) return x.minus(y);
        throw new ValueError("cannot subtract " + typeName(b) + " from " + typeName(a));
    }

    public static Object mul(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            try {
                return Math.multiplyExact(x, y);
            } catch (ArithmeticException e) {
                throw new ValueError("integer overflow in " + x + " * " + y);
            }
        }
        if (isNumber(a) && isNumber(b)) return asDouble(a) * asDouble(b);
        if (a instanceof Duration d && isNumber(b)) return scale(d, asDouble(b));
        if (isNumber(a) && b instanceof Duration d) return scale(d, asDouble(a));
        throw new ValueError("cannot multiply " + typeName(a) + " by " + typeName(b));
    }

    public static Object div(Object a, Object b) {
        if (a instanceof Duration x && b instanceof Duration y) {
            if (y.isZero()) throw new ValueError("division by a zero duration");
            return (double) x.toNanos() / y.toNanos();
        }
        if (a instanceof Duration d && isNumber(b)) {
            double k = asDouble(b);
            if (k == 0) throw new ValueError("division by zero");
            return scale(d, 1 / k);
        }
        if (isNumber(a) && isNumber(b)) {
            double y = asDouble(b);
            if (y == 0) throw new ValueError("division by zero");
            return asDouble(a) / y;
        }
        throw new ValueError("cannot divide " + typeName(a) + " by " + typeName(b));
    }

    public static Object mod(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            if (y == 0) throw new ValueError("remainder by zero");
            return Math.floorMod(x, y);
        }
        if (isNumber(a) && isNumber(b)) {
            double y = asDouble(b);
            if (y == 0) throw new ValueError("remainder by zero");
            double r = asDouble(a) % y;
            return r < 0 ? r + Math.abs(y) : r;
        }
        throw new ValueError("cannot take the remainder of " + typeName(a) + " by " + typeName(b));
    }

    public static Object neg(Object a) {
        if (a instanceof Long x) {
            if (x == Long.MIN_VALUE) throw new ValueError("integer overflow in -" + x);
            return -x;
        }
        if (a instanceof Double d) return -d;
        if (a instanceof Duration d) return d.negated();
        throw new ValueError("cannot negate " + typeName(a));
    }

    private static Duration scale(Duration d, double k) {
        double nanos = d.toNanos() * k;
        if (Double.isNaN(nanos) || Math.abs(nanos) > Long.MAX_VALUE / 2.0) throw new ValueError("duration out of range");
        return Duration.ofNanos(Math.round(nanos));
    }

    public static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double;
    }

    // ------------------------------------------------------------------ comparison

    public static boolean equal(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) return x.longValue() == y.longValue();
        if (isNumber(a) && isNumber(b)) return asDouble(a) == asDouble(b);
        if (a == null) a = None.NONE;
        if (b == null) b = None.NONE;
        return StateMap.plain(a).equals(StateMap.plain(b));
    }

    public static int compare(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) return Long.compare(x, y);
        if (isNumber(a) && isNumber(b)) return Double.compare(asDouble(a), asDouble(b));
        if (a instanceof String x && b instanceof String y) return x.compareTo(y);
        if (a instanceof Duration x && b instanceof Duration y) return x.compareTo(y);
        throw new ValueError("cannot order " + typeName(a) + " and " + typeName(b));
    }

    /** Clamp for atomic deltas: {@code min}/{@code max} may be null. */
    public static Object clamp(Object v, Object min, Object max) {
        if (min != null && compare(v, min) < 0) v = min;
        if (max != null && compare(v, max) > 0) v = max;
        return v;
    }

    // ------------------------------------------------------------------ text

    /** Text of small non-negative integers, cached: ids like {@code "p" + str(actor)} are built per event. */
    private static final String[] SMALL = new String[1 << 17];

    /** The text {@code str()} gives, and what reports print. */
    public static String str(Object v) {
        if (v == null || v == None.NONE) return "none";
        if (v instanceof StateMap s) v = s.freeze();
        if (v instanceof String s) return s;
        if (v instanceof Long l && l >= 0 && l < SMALL.length) {
            int i = (int) (long) l;
            String cached = SMALL[i];
            if (cached == null) SMALL[i] = cached = Long.toString(l);
            return cached;
        }
        if (v instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) return String.valueOf(d.longValue()) + ".0";
            return String.valueOf(d);
        }
        if (v instanceof Duration d) return duration(d);
        if (v instanceof PVector<?> l) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) b.append(", ");
                b.append(show(l.get(i)));
            }
            return b.append(']').toString();
        }
        if (v instanceof PSortedMap<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(first ? " " : ", ").append(e.getKey()).append(": ").append(show(e.getValue()));
                first = false;
            }
            return b.append(first ? "}" : " }").toString();
        }
        return String.valueOf(v);
    }

    /** Like {@link #str} but quotes strings, for messages and nested values. */
    public static String show(Object v) {
        if (v instanceof String s) {
            String q = s.length() > 60 ? s.substring(0, 57) + "..." : s;
            return "\"" + q.replace("\"", "\\\"") + "\"";
        }
        return str(v);
    }

    private static final java.util.regex.Pattern DURATION_TEXT = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    /** Parses {@code 500ms}, {@code 10s}, {@code 1.5m}, {@code 2h}, {@code 1d}; throws IllegalArgumentException otherwise. */
    public static Duration parseDuration(String text) {
        java.util.regex.Matcher m = DURATION_TEXT.matcher(text.trim());
        if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 500ms, 10s, 2m");
        double n = Double.parseDouble(m.group(1));
        double ms = switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n * 86_400_000;
        };
        if (!(ms <= dev.baton.lang.Baton.MAX_DURATION.toMillis())) {
            throw new IllegalArgumentException("'" + text + "' is too long: a duration is at most " + dev.baton.lang.Baton.MAX_DURATION.toDays() + "d (100 years)");
        }
        return Duration.ofNanos(Math.round(ms * 1e6));
    }

    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (d.toNanos() % 1_000_000 != 0) return (d.toNanos() / 1e6) + "ms";
        if (ms % 86_400_000 == 0 && ms != 0) return ms / 86_400_000 + "d";
        if (ms % 3_600_000 == 0 && ms != 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms != 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0 && ms != 0) return ms / 1000 + "s";
        return ms + "ms";
    }

    // ------------------------------------------------------------------ hashing

    /**
     * A stable 63-bit hash (FNV-1a over a canonical encoding). Equal values hash equally on
     * every run, machine and engine, and the result is never negative, so {@code hash(x) % n}
     * is a valid index.
     */
    public static long stableHash(Object v) {
        long h = 0xcbf29ce484222325L;
        h = hashInto(h, v);
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h & Long.MAX_VALUE;
    }

    private static long hashInto(long h, Object v) {
        if (v instanceof StateMap s) v = s.freeze();
        if (v instanceof String s) {
            h = mix(h, 's');
            for (int i = 0; i < s.length(); i++) h = mix(h, s.charAt(i));
            return h;
        }
        if (v instanceof Long l) return mixLong(mix(h, 'i'), l);
        if (v instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) < 9e15) return mixLong(mix(h, 'i'), d.longValue());
            return mixLong(mix(h, 'f'), Double.doubleToLongBits(d));
        }
        if (v instanceof Boolean b) return mix(h, b ? 'T' : 'F');
        if (v instanceof Duration d) return mixLong(mix(h, 'd'), d.toNanos());
        if (v instanceof PVector<?> l) {
            h = mix(h, '[');
            for (Object o : l) h = hashInto(h, o);
            return mix(h, ']');
        }
        if (v instanceof SmallMap m) {
            // the same as below, in the same (key) order, without an entry object per pair
            h = mix(h, '{');
            for (int i = 0, n = m.size(); i < n; i++) {
                h = hashInto(h, m.keyAt(i));
                h = hashInto(h, m.valueAt(i));
            }
            return mix(h, '}');
        }
        if (v instanceof PSortedMap<?, ?> m) {
            h = mix(h, '{');
            for (Map.Entry<?, ?> e : m.entrySet()) {
                h = hashInto(h, e.getKey());
                h = hashInto(h, e.getValue());
            }
            return mix(h, '}');
        }
        return mix(h, 'n');
    }

    private static long mix(long h, int c) {
        return (h ^ c) * 0x100000001b3L;
    }

    private static long mixLong(long h, long l) {
        for (int i = 0; i < 8; i++) h = mix(h, (int) (l >>> (i * 8)) & 0xff);
        return h;
    }
}
