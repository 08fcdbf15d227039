package dev.baton.serve;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Error answers as RFC 9457 problem details ({@code application/problem+json}): {@code type}
 * (a stable URI per kind of problem, documented in docs/serve.md), {@code title}, {@code status},
 * {@code detail}, and for invalid input an {@code errors} list with a JSON pointer to each field
 * at fault. Never a stack trace.
 */
public final class Problems {
    /** Where the problem types are documented; a type is this plus '#' and its name. */
    public static final String TYPE_BASE = "https://baton.dev/problems/";
    public static final String CONTENT_TYPE = "application/problem+json";

    private Problems() {
    }

    /** One field at fault: a JSON pointer into the request body (or a parameter's name) and what is wrong. */
    public record FieldError(String pointer, String detail) {
        Map<String, Object> plain() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pointer", pointer);
            m.put("detail", detail);
            return m;
        }
    }

    public static Service.Answer answer(int status, String type, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("type", TYPE_BASE + type);
        b.put("title", title);
        b.put("status", status);
        b.put("detail", detail);
        if (extra != null) b.putAll(extra);
        return new Service.Answer(status, b);
    }

    public static Service.Answer invalid(String detail, List<FieldError> errors) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("errors", errors.stream().map(FieldError::plain).toList());
        return answer(400, "invalid-request", "Invalid request", detail, extra);
    }

    public static boolean isProblem(Service.Answer a) {
        return a.body() instanceof Map<?, ?> m && m.get("type") instanceof String t && t.startsWith(TYPE_BASE);
    }
}
