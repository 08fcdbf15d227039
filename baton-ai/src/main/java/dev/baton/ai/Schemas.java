package dev.baton.ai;

import dev.baton.lang.types.Type;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON Schemas for {@code expect} shapes, in the subset strict structured output accepts: the
 * root is an object (a shape that is not a record is wrapped as {@code {"answer": …}}), every
 * property is required and every closed record has {@code additionalProperties: false}, an
 * optional field is a union with {@code null}. Bounds go in as {@code minimum}/{@code maximum}
 * — a hint to the model only: the engine checks them again on every answer.
 */
public final class Schemas {
    private Schemas() {
    }

    /** The field a non-record shape is wrapped in. */
    public static final String WRAPPED = "answer";

    /** True when the shape is sent wrapped in {@code {"answer": …}}. */
    public static boolean wrapped(Type expect) {
        return !(strip(expect) instanceof Type.Rec);
    }

    /** The schema sent for {@code expect}: always an object at the root. */
    public static Map<String, Object> root(Type expect) {
        if (!wrapped(expect)) return of(expect);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "object");
        s.put("properties", Map.of(WRAPPED, of(expect)));
        s.put("required", List.of(WRAPPED));
        s.put("additionalProperties", false);
        return s;
    }

    /** The schema of one shape. */
    public static Map<String, Object> of(Type t) {
        Map<String, Object> s = new LinkedHashMap<>();
        if (t instanceof Type.Opt o) return nullable(of(o.inner()));
        if (t instanceof Type.Prim p) {
            switch (p.kind()) {
                case BOOL -> s.put("type", "boolean");
                case STRING -> s.put("type", "string");
                case DURATION -> {
                    s.put("type", "string");
                    s.put("description", "a duration such as 250ms, 2s, 5m");
                }
                case NONE -> s.put("type", "null");
                case ANY -> {
                    // anything: no constraint (strict mode on OpenAI wants a type; local servers accept this)
                }
            }
        } else if (t instanceof Type.Num n) {
            s.put("type", n.isFloat() ? "number" : "integer");
            if (n.min() != null) s.put("minimum", n.isFloat() ? (Object) n.min() : (Object) n.min().longValue());
            if (n.max() != null) s.put("maximum", n.isFloat() ? (Object) n.max() : (Object) n.max().longValue());
        } else if (t instanceof Type.ListT l) {
            s.put("type", "array");
            s.put("items", of(l.elem()));
        } else if (t instanceof Type.MapT m) {
            s.put("type", "object");
            s.put("additionalProperties", of(m.value()));
        } else if (t instanceof Type.Rec r) {
            s.put("type", "object");
            Map<String, Object> props = new LinkedHashMap<>();
            List<String> required = new ArrayList<>();
            for (Map.Entry<String, Type.Field> f : r.fields().entrySet()) {
                Map<String, Object> fs = of(f.getValue().type());
                props.put(f.getKey(), f.getValue().optional() ? nullable(fs) : fs);
                required.add(f.getKey());
            }
            s.put("properties", props);
            s.put("required", required);
            s.put("additionalProperties", r.open());
        } else if (t instanceof Type.Enum e) {
            s.put("type", "string");
            s.put("enum", List.copyOf(e.values()));
        }
        return s;
    }

    private static Map<String, Object> nullable(Map<String, Object> s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("anyOf", List.of(s, Map.of("type", "null")));
        return out;
    }

    private static Type strip(Type t) {
        return t instanceof Type.Opt o ? o.inner() : t;
    }

    /** A schema name as the protocol allows: {@code [a-zA-Z0-9_-]{1,64}}. */
    public static String name(String ai) {
        String n = ai.replaceAll("[^a-zA-Z0-9_-]", "_");
        if (n.isEmpty()) n = "answer";
        return n.length() > 64 ? n.substring(0, 64) : n;
    }
}
