package dev.baton.ai;

import dev.baton.lang.types.Type;

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

    /** The schema of one shape, as strict structured output wants it. */
    public static Map<String, Object> of(Type t) {
        return dev.baton.runtime.value.JsonSchema.strict(t);
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
