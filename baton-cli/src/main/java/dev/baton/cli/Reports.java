package dev.baton.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.baton.runtime.Json;
import dev.baton.runtime.Progress;
import dev.baton.runtime.RunReport;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** Renders run reports for people (text) and programs (JSON), and the live progress line. */
final class Reports {
    private Reports() {
    }

    /**
     * The report as JSON. A program's {@code Report} entries also appear at the top level
     * ({@code trades.started}, {@code invariants.currency_conserved}…) — the scenario's own
     * vocabulary — unless they would hide one of the engine's fields.
     */
    @SuppressWarnings("unchecked")
    static String json(RunReport r) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Map<String, Object> tree = mapper.convertValue(r, java.util.LinkedHashMap.class);
        if (r.report() != null) r.report().forEach(tree::putIfAbsent);
        try {
            return mapper.writeValueAsString(tree);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void text(RunReport r, PrintWriter out) {
        Map<String, Object> c = r.counters();
        out.printf("Baton %s on the %s engine — seed %d, faults %s%s%n", r.program(), r.engine(), r.seed(), r.faults(),
                r.resumed() ? " (resumed)" : "");
        out.printf("stopped: %s — %s of engine time in %s wall%n%n", r.stopReason(), seconds(r.engineTimeMs()), seconds(r.wallTimeMs()));
        out.printf("  %-12s %s emitted (%s/s wall)%n", "events", n(c.get("events_emitted")), n(c.get("events_per_second")));
        for (Map.Entry<String, Long> e : r.events().entrySet()) out.printf("  %-12s   %-30s %s%n", "", e.getKey(), n(e.getValue()));
        out.printf("  %-12s %s runs, %s failed%n", "handlers", n(c.get("handler_runs")), n(c.get("handler_failures")));
        out.printf("  %-12s %s (%s skipped while busy)%n", "ticks", n(c.get("ticks")), n(c.get("ticks_skipped")));
        out.printf("  %-12s %s sent, %s retried, %s failed, %s de-duplicated, %s fenced%n", "calls", n(c.get("calls")),
                n(c.get("call_retries")), n(c.get("calls_failed")), n(c.get("calls_deduplicated")), n(c.get("calls_fenced")));
        out.printf("  %-12s %s started, %s completed, %s failed%s%n", "workflows", n(c.get("workflows_started")),
                n(c.get("workflows_completed")), n(c.get("workflows_failed")), inFlight(r.workflows()));
        long sagas = sum(c, "sagas_compensating", "step_retries", "compensation_retries");
        if (sagas > 0) {
            out.printf("  %-12s %s compensated, %s step retries, %s compensation retries%n", "sagas", n(c.getOrDefault("sagas_compensating", 0L)),
                    n(c.getOrDefault("step_retries", 0L)), n(c.getOrDefault("compensation_retries", 0L)));
        }
        if (((Number) c.get("decisions")).longValue() > 0) {
            out.printf("  %-12s %s proposals, %s rejected by checks%n", "decisions", n(c.get("decisions")), n(c.get("decisions_rejected")));
        }
        long faults = sum(c, "crashes", "messages_dropped", "messages_duplicated", "messages_delayed", "messages_spiked", "hallucinations_injected");
        if (faults > 0 || !r.faults().equals("none")) {
            out.printf("  %-12s %s crashes (%s events held for an instance while it was down), messages: %s dropped, %s duplicated, "
                            + "%s delayed, %s slowed by a latency spike; %s hallucinations%n", "faults", n(c.get("crashes")),
                    n(c.getOrDefault("events_held_while_down", c.get("events_lost_to_crashes"))),
                    n(c.get("messages_dropped")), n(c.get("messages_duplicated")), n(c.get("messages_delayed")), n(c.getOrDefault("messages_spiked", 0L)),
                    n(c.get("hallucinations_injected")));
        }
        if (!r.globals().isEmpty()) {
            out.println();
            out.println("global state");
            r.globals().forEach((k, v) -> out.printf("  $%s = %s%n", k, Json.write(v)));
        }
        if (!r.modules().isEmpty()) {
            out.println();
            out.println("modules");
            r.modules().forEach((name, s) -> {
                StringBuilder b = new StringBuilder();
                s.forEach((k, v) -> {
                    if (!k.equals("instances")) b.append("  ").append(k).append(" = ").append(v instanceof Map || v instanceof List ? Json.write(v) : v);
                });
                String line = b.toString();
                if (line.length() > 160) line = line.substring(0, 157) + "...";
                out.printf("  %-24s ×%-5s%s%n", name, s.get("instances"), line);
            });
        }
        if (r.askCount() > 0) {
            out.println();
            asks(r.askCount(), r.asks(), 5, "every one in --report json and 'baton history --asks'", out);
        }
        if (r.report() != null) {
            out.println();
            out.println("report");
            Map<String, Object> rest = new java.util.LinkedHashMap<>(r.report());
            Object chart = rest.remove("chart");
            printTree(rest, "  ", out);
            if (chart instanceof Map<?, ?> series) {
                series.forEach((name, values) -> {
                    if (values instanceof List<?> l && !l.isEmpty()) chart(String.valueOf(name), l, out);
                });
            }
        }
        out.println();
        if (r.errorCount() == 0) {
            out.println("runtime errors: none");
        } else {
            out.printf("runtime errors: %s (first %d shown)%n", n(r.errorCount()), Math.min(10, r.errors().size()));
            r.errors().stream().limit(10).forEach(e -> out.println("  " + e));
        }
        if (!r.deadlocks().isEmpty()) {
            out.printf("deadlocks: %s, each resolved by failing one wait (first %d shown)%n", n(r.deadlocks().size()), Math.min(5, r.deadlocks().size()));
            r.deadlocks().stream().limit(5).forEach(d -> out.println("  " + d));
        }
        if (r.failureCount() > 0) {
            out.printf("declared failures (Fail, and what it made fail): %s (first %d shown)%n", n(r.failureCount()),
                    Math.min(5, r.failures().size()));
            r.failures().stream().limit(5).forEach(e -> out.println("  " + e));
        }
        List<String> broken = r.failedInvariants();
        if (!broken.isEmpty()) out.println("INVARIANTS VIOLATED: " + String.join(", ", broken));
        out.println("trace " + r.traceHash());
        out.flush();
    }

    /**
     * The settled {@code Ask}s: per AI how many, how many attempts were rejected and how many took the
     * fallback; then up to {@code show} of them with their attempts — those with a rejected attempt
     * first, since they are the decisions a reader checks — each as its place, who asked, the input,
     * every rejected attempt with why, and the value taken.
     */
    static void asks(long count, List<Map<String, Object>> asks, int show, String more, PrintWriter out) {
        Map<String, long[]> per = new java.util.TreeMap<>();
        for (Map<String, Object> a : asks) {
            long[] p = per.computeIfAbsent(String.valueOf(a.get("ai")), k -> new long[3]);
            p[0]++;
            for (Object t : (List<?>) a.get("tries")) if (!((List<?>) ((Map<?, ?>) t).get("rejected")).isEmpty()) p[1]++;
            if (Boolean.TRUE.equals(a.get("fallback"))) p[2]++;
        }
        StringBuilder b = new StringBuilder();
        per.forEach((ai, p) -> b.append(b.length() == 0 ? "" : "; ").append(ai).append(' ').append(n(p[0])).append(", ")
                .append(n(p[1])).append(" attempt(s) rejected, ").append(n(p[2])).append(" on otherwise"));
        out.printf("asks: %s settled%s%s%n", n(count), b.length() == 0 ? "" : " (" + b + ")",
                count > asks.size() ? " — " + n(asks.size()) + " listed" : "");
        List<Map<String, Object>> order = new java.util.ArrayList<>();
        for (Map<String, Object> a : asks) if (rejectedOnce(a)) order.add(a);
        for (Map<String, Object> a : asks) if (!rejectedOnce(a)) order.add(a);
        for (Map<String, Object> a : order.subList(0, Math.min(show, order.size()))) {
            for (String line : askLines(a)) out.println("  " + line);
        }
        if (count > Math.min(show, order.size())) out.printf("  … %s more (%s)%n", n(count - Math.min(show, order.size())), more);
    }

    private static boolean rejectedOnce(Map<String, Object> a) {
        for (Object t : (List<?>) a.get("tries")) if (!((List<?>) ((Map<?, ?>) t).get("rejected")).isEmpty()) return true;
        return false;
    }

    /** One Ask for people: where, by whom, when, its input, each rejected attempt and why, and what was taken. */
    static List<String> askLines(Map<String, Object> a) {
        List<String> lines = new java.util.ArrayList<>();
        Object scope = a.get("scope");
        lines.add(a.get("at") + "  " + a.get("ai") + " asked by " + a.get("by") + (scope == null ? "" : " (in " + scope + ")") + " at "
                + seconds(((Number) a.get("time")).longValue()) + ": " + clip(Json.write(a.get("input")), 100));
        List<?> tries = (List<?>) a.get("tries");
        for (int i = 0; i < tries.size(); i++) {
            Map<?, ?> t = (Map<?, ?>) tries.get(i);
            List<?> why = (List<?>) t.get("rejected");
            if (why.isEmpty()) continue;
            String said = t.get("none") != null ? "no answer" : clip(Json.write(t.get("answer")), 80);
            lines.add("    attempt " + (i + 1) + " rejected: " + said + " — " + clip(String.join("; ", why.stream().map(String::valueOf).toList()), 100));
        }
        lines.add("    " + (Boolean.TRUE.equals(a.get("fallback")) ? "took the otherwise: " : "took attempt " + tries.size() + ": ")
                + clip(Json.write(a.get("taken")), 120));
        return lines;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    @SuppressWarnings("unchecked")
    private static void printTree(Map<String, Object> m, String indent, PrintWriter out) {
        m.forEach((k, v) -> {
            if (v instanceof Map<?, ?> sub) {
                out.println(indent + k);
                printTree((Map<String, Object>) sub, indent + "  ", out);
            } else if (v instanceof Boolean b && indent.length() > 2 && isInvariantKey(m)) {
                out.println(indent + (b ? "✓ " : "✗ ") + k);
            } else {
                out.println(indent + k + " = " + (v instanceof Number num && !(v instanceof Double) ? n(num) : Json.write(v)));
            }
        });
    }

    /** A small terminal chart of a series (one column per sample, 8 rows). */
    static void chart(String name, List<?> values, PrintWriter out) {
        int rows = 8;
        double max = 0;
        for (Object v : values) if (v instanceof Number num) max = Math.max(max, num.doubleValue());
        out.println();
        out.printf("  %s (max %s, one column per sample)%n", name, n(Math.round(max)));
        String[] blocks = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
        for (int row = rows - 1; row >= 0; row--) {
            StringBuilder line = new StringBuilder("  │");
            for (Object v : values) {
                double x = v instanceof Number num && max > 0 ? num.doubleValue() / max * rows : 0;
                double fill = x - row;
                line.append(fill >= 1 ? blocks[8] : fill <= 0 ? blocks[0] : blocks[(int) Math.round(fill * 8)]);
            }
            out.println(line);
        }
        out.println("  └" + "─".repeat(values.size()));
    }

    private static boolean isInvariantKey(Map<String, Object> m) {
        return m.values().stream().allMatch(v -> v instanceof Boolean);
    }

    private static String inFlight(Map<String, Long> statuses) {
        long running = 0;
        for (Map.Entry<String, Long> e : statuses.entrySet()) {
            if (!e.getKey().equals("COMPLETED") && !e.getKey().equals("FAILED")) running += e.getValue();
        }
        return running == 0 ? "" : ", " + n(running) + " in flight";
    }

    private static long sum(Map<String, Object> c, String... keys) {
        long s = 0;
        for (String k : keys) s += ((Number) c.getOrDefault(k, 0L)).longValue();
        return s;
    }

    static String n(Object v) {
        if (v instanceof Number num) return String.format("%,d", num.longValue());
        return String.valueOf(v);
    }

    static String seconds(long ms) {
        return ms < 1000 ? ms + "ms" : String.format("%.2fs", ms / 1000.0);
    }

    /** The live line shown on a terminal while a run goes on. */
    static String progressLine(Progress p) {
        return String.format("\r  %s engine  %s wall  %s events (%s/s)  %d instances  %s workflows in flight  %s errors   ",
                seconds(p.engineTimeMs()), seconds(p.wallTimeMs()), n(p.events()), n(Math.round(p.eventsPerSecond())), p.instances(),
                n(p.workflowsInFlight()), n(p.errors()));
    }
}
