package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.Values;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads of a live run's state, as plain JSON-ready maps: the globals, a module's instances, one
 * instance, one workflow, the workflows by status and type. The same reads answer
 * {@code baton serve}'s HTTP API on every engine — run on the embedded engine's core between two
 * turns, and inside the Temporal run workflow as a query — so both answer alike.
 *
 * <p>A read is asked as a {@link Request}: a kind and its arguments, which travel as JSON.
 * {@link #run} answers {@code null} for something the run does not have (an unknown workflow id,
 * instance); the caller says 404.
 */
public final class Inspect {
    private Inspect() {
    }

    /** The workflow statuses a listing can filter on. */
    public static final List<String> STATUSES = List.of("STARTED", "RUNNING", "SLEEPING", "AWAITING", "CALLING", "LOCKING", "JOINING",
            "COMPLETED", "FAILED", "CANCELLED");

    /**
     * One read: {@code kind} is {@code state}, {@code instances} (module, offset, limit), {@code instance}
     * (name: {@code Module[key]}), {@code workflow} (id) or {@code workflows} (status, type, offset, limit; each optional).
     */
    public record Request(String kind, Map<String, Object> args) {
        public static Request of(String kind, Object... keyValues) {
            Map<String, Object> a = new LinkedHashMap<>();
            for (int i = 0; i + 1 < keyValues.length; i += 2) if (keyValues[i + 1] != null) a.put((String) keyValues[i], keyValues[i + 1]);
            return new Request(kind, a);
        }

        public String json() {
            return Json.write(Map.of("kind", kind, "args", args));
        }

        @SuppressWarnings("unchecked")
        public static Request parse(String json) {
            Object o = Json.toPlain(Json.parseTrusted(json));
            if (!(o instanceof Map<?, ?> m) || !(m.get("kind") instanceof String k)) throw new IllegalArgumentException("not a read: " + json);
            Object a = m.get("args");
            return new Request(k, a instanceof Map<?, ?> am ? (Map<String, Object>) am : Map.of());
        }

        String text(String name) {
            Object v = args.get(name);
            return v == null ? null : String.valueOf(v);
        }

        int number(String name, int dflt) {
            return args.get(name) instanceof Number n ? n.intValue() : dflt;
        }
    }

    /** The answer to {@code r} on {@code core}: a plain map, or null when the run has no such thing. */
    public static Map<String, Object> run(Core core, Request r) {
        return switch (r.kind()) {
            case "state" -> state(core);
            case "instances" -> instances(core, r.text("module"), r.number("offset", 0), r.number("limit", 100));
            case "instance" -> instance(core, r.text("name"));
            case "workflow" -> workflow(core, r.text("id"));
            case "workflows" -> workflows(core, r.text("status"), r.text("type"), r.number("offset", 0), r.number("limit", 100));
            case "report" -> report(core);
            case "waits" -> waits(core);
            case "asks" -> asks(core, r.number("after", 0), r.number("limit", 100));
            default -> throw new IllegalArgumentException("no read '" + r.kind() + "'");
        };
    }

    /**
     * The program's {@code Report} as the run stands: {@code {"engine_ms", "report"}} ({@code report}
     * null when the program declares none), or {@code {"engine_ms", "error"}} when a figure does not evaluate yet.
     */
    public static Map<String, Object> report(Core c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine_ms", c.now());
        try {
            out.put("report", RunDriver.evaluateReport(c.plan(), c));
        } catch (RuntimeException e) {
            out.put("error", String.valueOf(e.getMessage()));
        }
        return out;
    }

    /**
     * Every wait of the run, oldest first: {@code {"engine_ms", "count", "waits": [{"waiter", "kind", "on",
     * "since_ms", "position"}]}} — kind one of reply, timer, event, lock, join, child, retry, start, hot_batch.
     */
    public static Map<String, Object> waits(Core c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine_ms", c.now());
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (Core.WaitRow w : c.waits()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("waiter", w.waiter());
            row.put("kind", w.kind());
            row.put("on", w.on());
            row.put("since_ms", w.since());
            if (w.position() != null) row.put("position", w.position());
            rows.add(row);
        }
        out.put("count", rows.size());
        out.put("waits", rows);
        return out;
    }

    /**
     * The settled {@code Ask}s after the first {@code after}, at most {@code limit}, oldest first:
     * {@code {"engine_ms", "count", "asks": [{"n", "ai", "at", "by", "time", "input", "tries", "taken",
     * "fallback"}], "next_after"}} — {@code n} numbers them from 1, {@code next_after} is there when
     * more follow. {@code count} counts every one settled; the newest 100,000 are kept to list (on
     * Temporal, the newest 1,000). A provider that keeps no list has a {@code note} saying so.
     */
    public static Map<String, Object> asks(Core c, int after, int limit) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine_ms", c.now());
        List<DecisionProvider.Asked> all = c.decisions().asked();
        long count = Math.max(all.size(), c.decisions().askedCount());
        long first = count - all.size(); // the Asks no longer kept in memory come first
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        int from = (int) Math.max(0, after - first);
        for (int i = from; i < all.size() && rows.size() < limit; i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("n", first + i + 1);
            row.putAll(dev.baton.runtime.internal.journal.AnswerLog.plain(all.get(i)));
            rows.add(row);
        }
        out.put("count", count);
        out.put("asks", rows);
        if (from + rows.size() < all.size()) out.put("next_after", first + from + rows.size());
        if (c.decisions().askedCount() < 0) {
            out.put("note", "this run's decision provider keeps no list of decisions");
        }
        return out;
    }

    /** {@code {"engine_ms": …, "globals": {…}}}. */
    public static Map<String, Object> state(Core c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine_ms", c.now());
        Map<String, Object> g = new LinkedHashMap<>();
        c.globals().forEach((k, v) -> g.put(k, Json.toPlain(v)));
        out.put("globals", g);
        return out;
    }

    /** A page of a module's instances: key, lifecycle, mailbox depth, events handled. */
    public static Map<String, Object> instances(Core c, String module, int offset, int limit) {
        int m = c.plan().moduleIndex(module);
        if (m < 0) return null;
        Plan.ModulePlan mp = c.plan().modules.get(m);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = offset; i < Math.min(mp.keys.size(), offset + limit); i++) {
            Map<String, Object> d = c.describeInstance(instanceName(mp, i));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("key", Json.toPlain(mp.keys.get(i)));
            if (d != null) {
                row.put("lifecycle", d.get("lifecycle"));
                row.put("mailbox", d.get("mailbox"));
                row.put("handled", d.get("handled"));
            }
            out.add(row);
        }
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("module", mp.name);
        b.put("total", mp.keys.size());
        b.put("instances", out);
        if (offset + limit < mp.keys.size()) b.put("next_cursor", String.valueOf(offset + limit));
        return b;
    }

    /** The display name ({@code Module[key]}) of a module's {@code i}th instance. */
    public static String instanceName(Plan.ModulePlan mp, int i) {
        return mp.name + "[" + Values.str(mp.keys.get(i)) + "]";
    }

    /** One instance by its display name: its state, lifecycle, mailbox depth, where it waits. */
    public static Map<String, Object> instance(Core c, String name) {
        Map<String, Object> d = c.describeInstance(name);
        if (d == null) return null;
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("name", name);
        b.putAll(d);
        return b;
    }

    /** One workflow: status, result or failure, position, saga step, locks held, what it waits on. */
    public static Map<String, Object> workflow(Core c, String id) {
        Map<String, Object> d = c.describeWorkflow(id);
        if (d == null) return null;
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("id", id);
        b.putAll(d);
        return b;
    }

    /** A page of the workflows (in the order they started), filtered by status and type when given. */
    public static Map<String, Object> workflows(Core c, String status, String type, int offset, int limit) {
        String want = status == null ? null : status.toUpperCase(Locale.ROOT);
        List<Map<String, Object>> rows = new ArrayList<>();
        int[] seen = {0};
        boolean[] more = {false};
        c.forEachWorkflow(row -> {
            if (want != null && !row.status().equals(want)) return;
            if (type != null && !row.type().equals(type)) return;
            int i = seen[0]++;
            if (i < offset) return;
            if (rows.size() >= limit) {
                more[0] = true;
                return;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", row.id());
            m.put("workflow", row.type());
            m.put("status", row.status());
            m.put("started_at_ms", row.startedAt());
            rows.add(m);
        });
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("workflows", rows);
        b.put("total", seen[0]);
        if (more[0]) b.put("next_cursor", String.valueOf(offset + limit));
        return b;
    }
}
