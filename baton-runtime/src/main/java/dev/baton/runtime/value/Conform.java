package dev.baton.runtime.value;

import dev.baton.lang.types.Type;
import org.pcollections.PSortedMap;
import org.pcollections.PVector;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a run-time value against a static type — an AI answer against its {@code expect}
 * shape, an external event against its declared payload — and coerces what is harmless
 * (an integral {@code 5.0} where an Int is expected). NaN and infinities are never numbers.
 */
public final class Conform {
    private Conform() {
    }

    /** The value, coerced to the type; throws {@link ValueError} naming the field that does not fit. */
    public static Object coerce(Type t, Object v) {
        return coerce(t, v, "value");
    }

    private static Object coerce(Type t, Object v, String where) {
        if (v == null) v = None.NONE;
        if (t instanceof Type.Opt o) return v == None.NONE ? v : coerce(o.inner(), v, where);
        if (Type.isAny(t)) return v;
        if (v == None.NONE) throw new ValueError(where + " is missing (none), expected " + t.display());
        if (t instanceof Type.Num n) {
            Object num;
            if (v instanceof Long l) {
                num = n.isFloat() ? (Object) l.doubleValue() : l;
            } else if (v instanceof Double d) {
                if (d.isNaN() || d.isInfinite()) throw new ValueError(where + " is " + d + ", not a number");
                if (!n.isFloat()) {
                    if (d != Math.rint(d) || Math.abs(d) > 9.2e18) throw new ValueError(where + " is " + d + ", not an Int");
                    num = d.longValue();
                } else {
                    num = d;
                }
            } else {
                throw new ValueError(where + " is " + Values.typeName(v) + " " + Values.show(v) + ", expected " + t.display());
            }
            double x = Values.asDouble(num);
            if (!n.contains(x)) throw new ValueError(where + " = " + Values.str(num) + " is outside " + n.display());
            return num;
        }
        if (t instanceof Type.Enum e) {
            if (!(v instanceof String s) || !e.values().contains(s)) {
                throw new ValueError(where + " is " + Values.show(v) + ", expected one of " + e.display());
            }
            return v;
        }
        if (t instanceof Type.Prim p) {
            boolean ok = switch (p.kind()) {
                case BOOL -> v instanceof Boolean;
                case STRING -> v instanceof String;
                case DURATION -> v instanceof Duration;
                case NONE -> false;
                case ANY -> true;
            };
            if (!ok) throw new ValueError(where + " is " + Values.typeName(v) + " " + Values.show(v) + ", expected " + t.display());
            return v;
        }
        if (t instanceof Type.ListT l) {
            if (!(v instanceof PVector<?> list)) throw new ValueError(where + " is " + Values.typeName(v) + ", expected " + t.display());
            List<Object> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) out.add(coerce(l.elem(), list.get(i), where + "[" + i + "]"));
            return TreePVector.from(out);
        }
        if (t instanceof Type.MapT m) {
            if (!(v instanceof PSortedMap<?, ?> map)) throw new ValueError(where + " is " + Values.typeName(v) + ", expected " + t.display());
            PSortedMap<String, Object> out = TreePMap.empty();
            for (Map.Entry<String, Object> e : Values.map(map).entrySet()) {
                out = out.plus(e.getKey(), coerce(m.value(), e.getValue(), where + "." + e.getKey()));
            }
            return out;
        }
        if (t instanceof Type.Rec r) {
            if (!(v instanceof PSortedMap<?, ?> map)) throw new ValueError(where + " is " + Values.typeName(v) + ", expected " + t.display());
            PSortedMap<String, Object> in = Values.map(map);
            PSortedMap<String, Object> out = in;
            for (Map.Entry<String, Type.Field> f : r.fields().entrySet()) {
                Object fv = in.get(f.getKey());
                String fw = where.equals("value") ? f.getKey() : where + "." + f.getKey();
                if (fv == null || fv == None.NONE) {
                    if (f.getValue().optional() || f.getValue().type() instanceof Type.Opt) continue;
                    throw new ValueError(fw + " is missing");
                }
                out = out.plus(f.getKey(), coerce(f.getValue().type(), fv, fw));
            }
            if (!r.open()) {
                for (String k : in.keySet()) {
                    if (!r.fields().containsKey(k)) throw new ValueError("unexpected field '" + k + "'" + (where.equals("value") ? "" : " in " + where));
                }
            }
            return out;
        }
        return v;
    }
}
