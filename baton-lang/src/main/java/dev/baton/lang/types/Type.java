package dev.baton.lang.types;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Static types of Baton values. {@link #ANY} is "not known statically"; checks involving it
 * pass, so programs that leave events or arguments undeclared still check (as the seed does).
 */
public sealed interface Type {
    Prim ANY = new Prim(Kind.ANY);
    Prim BOOL = new Prim(Kind.BOOL);
    Prim STRING = new Prim(Kind.STRING);
    Prim DURATION = new Prim(Kind.DURATION);
    Prim NONE = new Prim(Kind.NONE);
    Num INT = new Num(false, null, null);
    Num FLOAT = new Num(true, null, null);

    enum Kind { ANY, BOOL, STRING, DURATION, NONE }

    String display();

    record Prim(Kind kind) implements Type {
        @Override
        public String display() {
            return switch (kind) {
                case ANY -> "Any";
                case BOOL -> "Bool";
                case STRING -> "String";
                case DURATION -> "Duration";
                case NONE -> "None";
            };
        }
    }

    /** Int or Float, with optional inclusive bounds. */
    record Num(boolean isFloat, Double min, Double max) implements Type {
        public boolean bounded() {
            return min != null || max != null;
        }

        public boolean contains(double v) {
            return (min == null || v >= min) && (max == null || v <= max);
        }

        @Override
        public String display() {
            String base = isFloat ? "Float" : "Int";
            if (!bounded()) return base;
            return base + " [" + fmt(min) + ".." + fmt(max) + "]";
        }

        private static String fmt(Double d) {
            if (d == null) return "";
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf(d.longValue()) : String.valueOf(d);
        }
    }

    record ListT(Type elem) implements Type {
        @Override
        public String display() {
            return "List<" + elem.display() + ">";
        }
    }

    /** A map with string keys and values of one type. */
    record MapT(Type value) implements Type {
        @Override
        public String display() {
            return "Map<" + value.display() + ">";
        }
    }

    /** A record with known fields. {@code open} records may have more fields than listed. */
    record Rec(String name, Map<String, Field> fields, boolean open) implements Type {
        public Rec {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        @Override
        public String display() {
            if (name != null) return name;
            return fields.entrySet().stream()
                    .map(e -> e.getKey() + (e.getValue().optional() ? "?" : "") + ": " + e.getValue().type().display())
                    .collect(Collectors.joining(", ", "{ ", open ? ", … }" : " }"));
        }
    }

    record Field(Type type, boolean optional) {
    }

    /** One of a closed set of strings. */
    record Enum(Set<String> values) implements Type {
        public Enum {
            values = Collections.unmodifiableSet(new TreeSet<>(values));
        }

        @Override
        public String display() {
            return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(" | "));
        }
    }

    /** A value that may be {@code none}. */
    record Opt(Type inner) implements Type {
        @Override
        public String display() {
            return inner.display() + "?";
        }
    }

    static boolean isAny(Type t) {
        return t instanceof Prim p && p.kind() == Kind.ANY;
    }

    static boolean isNumeric(Type t) {
        return t instanceof Num || isAny(t);
    }

    static boolean isStringy(Type t) {
        return t instanceof Enum || t instanceof Prim p && (p.kind() == Kind.STRING || p.kind() == Kind.ANY);
    }

    static Type strip(Type t) {
        return t instanceof Opt o ? o.inner() : t;
    }

    /** Can a value of type {@code value} be stored where {@code target} is expected? */
    static boolean assignable(Type target, Type value) {
        if (isAny(target) || isAny(value)) return true;
        if (value instanceof Prim p && p.kind() == Kind.NONE) {
            return target instanceof Opt;
        }
        if (target instanceof Opt o) return assignable(o.inner(), strip(value));
        if (value instanceof Opt) return false;
        if (target instanceof Num tn) {
            return value instanceof Num vn && (tn.isFloat() || !vn.isFloat());
        }
        if (target instanceof Prim tp) {
            if (tp.kind() == Kind.STRING) return isStringy(value);
            return value instanceof Prim vp && vp.kind() == tp.kind();
        }
        if (target instanceof Enum te) {
            return value instanceof Enum ve && te.values().containsAll(ve.values());
        }
        if (target instanceof ListT tl) {
            return value instanceof ListT vl && assignable(tl.elem(), vl.elem());
        }
        if (target instanceof MapT tm) {
            if (value instanceof MapT vm) return assignable(tm.value(), vm.value());
            if (value instanceof Rec vr) {
                return vr.fields().values().stream().allMatch(f -> assignable(tm.value(), f.type()));
            }
            return false;
        }
        if (target instanceof Rec tr) {
            if (value instanceof MapT) return true;
            if (!(value instanceof Rec vr)) return false;
            for (Map.Entry<String, Field> f : tr.fields().entrySet()) {
                Field vf = vr.fields().get(f.getKey());
                if (vf == null) {
                    if (!f.getValue().optional() && !vr.open()) return false;
                } else if (!assignable(f.getValue().type(), vf.type())) {
                    return false;
                }
            }
            if (!tr.open()) {
                for (String k : vr.fields().keySet()) {
                    if (!tr.fields().containsKey(k)) return false;
                }
            }
            return true;
        }
        return false;
    }

    /** The least type covering both (used for list literals and branches). */
    static Type join(Type a, Type b) {
        if (a.equals(b)) return a;
        if (isAny(a) || isAny(b)) return ANY;
        if (a instanceof Prim pa && pa.kind() == Kind.NONE) return b instanceof Opt ? b : new Opt(b);
        if (b instanceof Prim pb && pb.kind() == Kind.NONE) return a instanceof Opt ? a : new Opt(a);
        if (a instanceof Num na && b instanceof Num nb) return na.isFloat() || nb.isFloat() ? FLOAT : INT;
        if (isStringy(a) && isStringy(b)) {
            if (a instanceof Enum ea && b instanceof Enum eb) {
                Set<String> all = new TreeSet<>(ea.values());
                all.addAll(eb.values());
                return new Enum(all);
            }
            return STRING;
        }
        if (a instanceof ListT la && b instanceof ListT lb) return new ListT(join(la.elem(), lb.elem()));
        if (a instanceof Rec ra && b instanceof Rec rb) {
            Map<String, Field> fields = new LinkedHashMap<>();
            for (var e : ra.fields().entrySet()) {
                Field other = rb.fields().get(e.getKey());
                fields.put(e.getKey(), other == null ? new Field(e.getValue().type(), true)
                        : new Field(join(e.getValue().type(), other.type()), e.getValue().optional() || other.optional()));
            }
            for (var e : rb.fields().entrySet()) {
                fields.putIfAbsent(e.getKey(), new Field(e.getValue().type(), true));
            }
            return new Rec(null, fields, ra.open() || rb.open());
        }
        return ANY;
    }

    static Rec record(Map<String, Type> fields, boolean open) {
        Map<String, Field> out = new LinkedHashMap<>();
        fields.forEach((k, v) -> out.put(k, new Field(v, false)));
        return new Rec(null, out, open);
    }

    static List<String> fieldNames(Type t) {
        return t instanceof Rec r ? List.copyOf(r.fields().keySet()) : List.of();
    }
}
