package dev.baton.runtime.value;

import dev.baton.lang.types.Type;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON Schema (2020-12) of a declared shape: bounds become {@code minimum}/{@code maximum},
 * enums {@code enum}, an optional value a type array (or enum, or {@code anyOf}) with
 * {@code null}, a closed record {@code additionalProperties: false}. Two flavours: {@link #of}
 * for documents (OpenAPI: only required fields are {@code required}) and {@link #strict} for
 * strict structured output (every field {@code required}, an optional one nullable instead).
 */
public final class JsonSchema {
    private JsonSchema() {
    }

    /** The schema of {@code t}, with only its required fields in {@code required}. */
    public static Map<String, Object> of(Type t) {
        return schema(t, false);
    }

    /** The schema of {@code t} as strict structured output wants it: every field listed in {@code required}, optional ones nullable. */
    public static Map<String, Object> strict(Type t) {
        return schema(t, true);
    }

    private static Map<String, Object> schema(Type t, boolean strict) {
        Map<String, Object> s = new LinkedHashMap<>();
        if (t instanceof Type.Opt o) return nullable(schema(o.inner(), strict));
        if (Type.isAny(t)) return s; // any JSON value
        if (t instanceof Type.Num n) {
            s.put("type", n.isFloat() ? "number" : "integer");
            if (n.min() != null) s.put("minimum", integral(n.min(), n.isFloat()));
            if (n.max() != null) s.put("maximum", integral(n.max(), n.isFloat()));
            return s;
        }
        if (t instanceof Type.Enum e) {
            s.put("type", "string");
            s.put("enum", new ArrayList<>(e.values()));
            return s;
        }
        if (t instanceof Type.Prim p) {
            switch (p.kind()) {
                case BOOL -> s.put("type", "boolean");
                case STRING -> s.put("type", "string");
                case DURATION -> {
                    s.put("type", "string");
                    s.put("description", "a duration, as Baton writes it (250ms, 2s, 5m)");
                }
                case NONE -> s.put("type", "null");
                case ANY -> { }
            }
            return s;
        }
        if (t instanceof Type.ListT l) {
            s.put("type", "array");
            s.put("items", schema(l.elem(), strict));
            return s;
        }
        if (t instanceof Type.MapT m) {
            s.put("type", "object");
            s.put("additionalProperties", schema(m.value(), strict));
            return s;
        }
        if (t instanceof Type.Rec r) {
            s.put("type", "object");
            Map<String, Object> props = new LinkedHashMap<>();
            List<String> required = new ArrayList<>();
            r.fields().forEach((k, f) -> {
                boolean optional = f.optional() || f.type() instanceof Type.Opt;
                Map<String, Object> fs = schema(f.type(), strict);
                props.put(k, strict && f.optional() && !(f.type() instanceof Type.Opt) ? nullable(fs) : fs);
                if (strict || !optional) required.add(k);
            });
            s.put("properties", props);
            if (!required.isEmpty()) s.put("required", required);
            s.put("additionalProperties", r.open());
            return s;
        }
        return s;
    }

    /** {@code inner} or {@code null}. */
    private static Map<String, Object> nullable(Map<String, Object> inner) {
        Object type = inner.get("type");
        if (type instanceof String ts) {
            inner.put("type", List.of(ts, "null"));
            if (inner.containsKey("enum")) {
                List<Object> values = new ArrayList<>((List<?>) inner.get("enum"));
                values.add(null);
                inner.put("enum", values);
            }
            return inner;
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("anyOf", List.of(inner, Map.of("type", "null")));
        return s;
    }

    private static Object integral(double d, boolean isFloat) {
        return !isFloat && d == Math.rint(d) ? (Object) (long) d : (Object) d;
    }
}
