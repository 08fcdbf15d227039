package dev.baton.serve;

import dev.baton.lang.types.Type;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The program's declared shapes ({@link Type}) over HTTP: every problem of a JSON value with
 * its JSON pointer (the engine's own check, {@code Conform}, stops at the first), and the JSON
 * Schema 2020-12 of a type for the OpenAPI document (bounds become {@code minimum}/{@code maximum},
 * optional values a type array with {@code null}).
 */
public final class Shapes {
    private Shapes() {
    }

    /** Adds to {@code errors} each way {@code v} (a plain JSON value: Map, List, String, Number, Boolean, null) does not fit {@code t}. */
    public static void check(Type t, Object v, String pointer, List<Problems.FieldError> errors) {
        if (errors.size() >= 100) return;
        String at = pointer.isEmpty() ? "/" : pointer;
        if (t instanceof Type.Opt o) {
            if (v != null) check(o.inner(), v, pointer, errors);
            return;
        }
        if (Type.isAny(t)) return;
        if (v == null) {
            errors.add(new Problems.FieldError(at, "is missing (null), expected " + t.display()));
            return;
        }
        if (t instanceof Type.Num n) {
            if (!(v instanceof Number num)) {
                errors.add(new Problems.FieldError(at, "is " + kind(v) + ", expected " + t.display()));
                return;
            }
            double d = num.doubleValue();
            if (!n.isFloat() && (d != Math.rint(d) || Math.abs(d) > 9.2e18)) {
                errors.add(new Problems.FieldError(at, "is " + v + ", not an Int"));
                return;
            }
            if (!n.contains(d)) errors.add(new Problems.FieldError(at, "= " + v + " is outside " + n.display()));
            return;
        }
        if (t instanceof Type.Enum e) {
            if (!(v instanceof String s) || !e.values().contains(s)) {
                errors.add(new Problems.FieldError(at, "is " + show(v) + ", expected one of " + e.display()));
            }
            return;
        }
        if (t instanceof Type.Prim p) {
            boolean ok = switch (p.kind()) {
                case BOOL -> v instanceof Boolean;
                case STRING -> v instanceof String;
                case DURATION, NONE -> false;
                case ANY -> true;
            };
            if (!ok) errors.add(new Problems.FieldError(at, "is " + kind(v) + ", expected " + t.display()));
            return;
        }
        if (t instanceof Type.ListT l) {
            if (!(v instanceof List<?> list)) {
                errors.add(new Problems.FieldError(at, "is " + kind(v) + ", expected " + t.display()));
                return;
            }
            for (int i = 0; i < list.size(); i++) check(l.elem(), list.get(i), pointer + "/" + i, errors);
            return;
        }
        if (t instanceof Type.MapT m) {
            if (!(v instanceof Map<?, ?> map)) {
                errors.add(new Problems.FieldError(at, "is " + kind(v) + ", expected " + t.display()));
                return;
            }
            map.forEach((k, x) -> check(m.value(), x, pointer + "/" + escape(String.valueOf(k)), errors));
            return;
        }
        if (t instanceof Type.Rec r) {
            if (!(v instanceof Map<?, ?> map)) {
                errors.add(new Problems.FieldError(at, "is " + kind(v) + ", expected an object " + t.display()));
                return;
            }
            for (Map.Entry<String, Type.Field> f : r.fields().entrySet()) {
                Object fv = map.get(f.getKey());
                String fp = pointer + "/" + escape(f.getKey());
                if (fv == null) {
                    if (!f.getValue().optional() && !(f.getValue().type() instanceof Type.Opt)) {
                        errors.add(new Problems.FieldError(fp, "is missing, expected " + f.getValue().type().display()));
                    }
                    continue;
                }
                check(f.getValue().type(), fv, fp, errors);
            }
            if (!r.open()) {
                for (Object k : map.keySet()) {
                    if (!r.fields().containsKey(String.valueOf(k))) {
                        errors.add(new Problems.FieldError(pointer + "/" + escape(String.valueOf(k)), "is not a field of " + r.name()
                                + " (fields: " + String.join(", ", r.fields().keySet()) + ")"));
                    }
                }
            }
        }
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String kind(Object v) {
        if (v instanceof Map<?, ?>) return "an object";
        if (v instanceof List<?>) return "an array";
        if (v instanceof String s) return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
        if (v instanceof Boolean b) return b.toString();
        if (v instanceof Number n) return "the number " + n;
        return String.valueOf(v);
    }

    private static String show(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : kind(v);
    }

    /** The JSON Schema (2020-12) of {@code t}. */
    public static Map<String, Object> schema(Type t) {
        return dev.baton.runtime.value.JsonSchema.of(t);
    }
}
