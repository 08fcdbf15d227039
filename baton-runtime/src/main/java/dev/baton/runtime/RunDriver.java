package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.exec.Stats;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.Values;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every engine that runs a {@link Core} shares: when a run stops (see
 * {@link EmbeddedEngine}), how engine time advances (slices of {@link EmbeddedEngine#SLICE_MS}),
 * and the report of a finished run. The embedded engine drives it from its loop; the Temporal
 * engine from inside a workflow, where only deterministic inputs may decide anything — so
 * nothing here reads a clock.
 */
public final class RunDriver {
    private final Plan plan;
    private final EngineOptions options;
    private final Core core;
    private final long limit;
    private final long maxTick;
    private long settledSince = -1;
    private long settledCommands;

    public RunDriver(Plan plan, EngineOptions options, Core core) {
        this.plan = plan;
        this.options = options;
        this.core = core;
        this.limit = limitMs();
        this.maxTick = maxTickMs();
    }

    /**
     * Null while the run goes on, else why it stops.
     *
     * @param inboxOpen true while external events may still come
     * @param hasInbox  true when the run takes external events at all
     */
    public String stopReason(boolean inboxOpen, boolean hasInbox) {
        long now = core.now();
        if (now >= limit) return "duration reached (" + Values.duration(Duration.ofMillis(limit)) + " of engine time)";
        if (!inboxOpen && options.duration() == null && core.settled()) {
            long commands = core.stats().commandCalls;
            if (settledSince < 0 || commands != settledCommands) {
                settledSince = now;
                settledCommands = commands;
            }
            if (now - settledSince >= 2 * maxTick || core.nextTime() == Long.MAX_VALUE) {
                return plan.loads.isEmpty() && !hasInbox ? "work settled" : "loads finished and work settled";
            }
        } else {
            settledSince = -1;
        }
        return null;
    }

    /**
     * Where the settle window stands ({@code [since, commands]}): a driver rebuilt from a
     * snapshot mid-run takes it back with {@link #restoreSettle}, so it stops when the
     * uninterrupted run would have.
     */
    public long[] settleState() {
        return new long[] {settledSince, settledCommands};
    }

    public void restoreSettle(long[] state) {
        settledSince = state[0];
        settledCommands = state[1];
    }

    private final Map<String, Object> seen = new java.util.HashMap<>();
    /** Engine time of the last call to the observer: the first comes at the first slice (MIN_VALUE would overflow the difference). */
    private long lastObserved = -StateObserver.EVERY_MS;

    /**
     * Tells {@code observer} of the globals changed since the last call (values are immutable, so
     * a changed global is a different object), at most every {@link StateObserver#EVERY_MS} of
     * engine time unless {@code last}.
     */
    public void observe(StateObserver observer, boolean last) {
        if (observer == null) return;
        if (!last && core.now() - lastObserved < StateObserver.EVERY_MS) return;
        lastObserved = core.now();
        Map<String, Object> changed = new LinkedHashMap<>();
        core.globals().forEach((k, v) -> {
            if (seen.get(k) != v) {
                seen.put(k, v);
                changed.put(k, Json.toPlain(v));
            }
        });
        if (!changed.isEmpty() || last) observer.globals(core.now(), changed, last);
    }

    /** The engine time at which the run stops whatever happens (its duration, or the default limit). */
    public long limit() {
        return limit;
    }

    /** The engine time the next slice runs to. */
    public long nextSliceEnd() {
        long now = core.now();
        return Math.min(limit, (now / EmbeddedEngine.SLICE_MS + 1) * EmbeddedEngine.SLICE_MS);
    }

    /**
     * The engine time the next step runs to when nothing outside the core can happen meanwhile
     * (no external events, or a wait for them that ends at {@code notAfter}): the next slice end,
     * or — when no task is due before it — the end of the slice holding the next task, so that a
     * {@code Sleep 6h} costs one step instead of two million empty slices. A jump never passes a
     * point where {@link #stopReason} could decide differently: the duration limit, and the end of
     * the settle window. Between two slice ends with no task nothing changes in the core, so every
     * stop check skipped would have answered as the one before it; a run stepped this way stops at
     * the same engine time, with the same trace, as one stepped slice by slice.
     */
    public long nextStepEnd(long notAfter) {
        long end = nextSliceEnd();
        return Math.max(end, Math.min(ceilToSlice(wakeTime()), ceilToSlice(notAfter)));
    }

    /**
     * The engine time at which the run next has something to do: its next task, the duration
     * limit, or the end of the settle window — whichever comes first. A paced engine with nothing
     * due before it may sleep until then (waking early for an external event).
     */
    public long wakeTime() {
        long t = Math.min(core.nextTime(), limit);
        if (settledSince >= 0) t = Math.min(t, settledSince + 2 * maxTick);
        return t;
    }

    private static long ceilToSlice(long t) {
        long s = EmbeddedEngine.SLICE_MS;
        return t >= Long.MAX_VALUE - s ? Long.MAX_VALUE - s : (t + s - 1) / s * s;
    }

    private long limitMs() {
        if (options.duration() != null) return Math.max(1, options.duration().toMillis());
        for (Plan.LoadPlan l : plan.loads) {
            if (l.total() < 0 && l.duration() == null && l.until() == null) return EmbeddedEngine.UNBOUNDED_LOAD_LIMIT.toMillis();
        }
        return Duration.ofHours(24).toMillis();
    }

    private long maxTickMs() {
        long max = 0;
        for (Plan.ModulePlan m : plan.modules) {
            for (Plan.Tick t : m.ticks) max = Math.max(max, t.period().toMillis());
        }
        return max;
    }

    /** The report of the run as it stands; {@code engine} names the engine that ran it. */
    public RunReport report(String engine, String reason, long wallMs, boolean resumed) {
        Stats s = core.stats();
        List<DecisionProvider.Asked> asks = core.decisions().asked();
        core.wallMsForReport = wallMs;
        Map<String, Object> counters = new LinkedHashMap<>();
        counters.put("events_emitted", s.eventsEmitted);
        counters.put("load_events", s.loadEvents);
        counters.put("events_per_second", wallMs == 0 ? 0 : Math.round(s.eventsEmitted / (wallMs / 1000.0)));
        counters.put("handler_runs", s.handlerRuns);
        counters.put("handler_failures", s.handlerFailures);
        counters.put("failures", s.failures);
        counters.put("ticks", s.ticks);
        counters.put("ticks_skipped", s.ticksSkipped);
        counters.put("calls", s.callsSent);
        counters.put("call_retries", s.callRetries);
        counters.put("calls_failed", s.callsFailed);
        counters.put("calls_deduplicated", s.callsDeduplicated);
        counters.put("calls_fenced", s.callsFenced);
        counters.put("messages_dropped", s.messagesDropped);
        counters.put("messages_duplicated", s.messagesDuplicated);
        counters.put("messages_delayed", s.messagesDelayed);
        counters.put("messages_spiked", s.messagesSpiked);
        counters.put("crashes", s.crashes);
        counters.put("events_lost_to_crashes", s.eventsLostToCrashes);
        counters.put("events_held_while_down", s.eventsHeldWhileDown);
        counters.put("events_redelivered", s.eventsRedelivered);
        counters.put("events_deduplicated", s.eventsDeduplicated);
        counters.put("workflows_started", s.workflowsStarted);
        counters.put("workflows_completed", s.workflowsCompleted);
        counters.put("workflows_failed", s.workflowsFailed);
        counters.put("workflows_cancelled", s.workflowsCancelled);
        counters.put("sagas_compensating", s.sagasCompensating);
        counters.put("compensation_retries", s.compensationRetries);
        counters.put("step_retries", s.stepRetries);
        counters.put("locks_granted", s.locksGranted);
        counters.put("leases_expired", s.leasesExpired);
        counters.put("deadlocks", s.deadlocks);
        counters.put("decisions", s.decisions);
        counters.put("decisions_rejected", s.decisionsRejected);
        counters.put("hallucinations_injected", s.hallucinations);
        counters.put("instances", core.instanceCount());
        Map<String, Object> globals = new LinkedHashMap<>();
        core.globals().forEach((k, v) -> globals.put(k, Json.toPlain(v)));
        Map<String, Map<String, Object>> modules = new LinkedHashMap<>();
        for (Plan.ModulePlan m : plan.modules) modules.put(m.name, summarize(core.moduleState(m.name)));
        List<String> errors = new ArrayList<>();
        for (Core.RunError e : core.errors()) errors.add(e.toString());
        List<String> failures = new ArrayList<>();
        for (Core.RunError e : core.failures()) failures.add(e.asFailure());
        return new RunReport(plan.file.name(), engine, options.seed(), options.faults().toString(), reason, core.now(), wallMs, resumed,
                counters, core.eventCounts(), core.workflowsByStatus(), globals, modules, errors, s.errors,
                String.format("%016x", core.traceHash()), programReport(errors), failures, s.failures, deadlocks(),
                Math.max(asks.size(), core.decisions().askedCount()), listed(asks));
    }

    /** The first {@link RunReport#MAX_ASKS_LISTED} settled Asks as plain maps. */
    private static List<Map<String, Object>> listed(List<DecisionProvider.Asked> asks) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (DecisionProvider.Asked a : asks.subList(0, Math.min(asks.size(), RunReport.MAX_ASKS_LISTED))) {
            out.add(dev.baton.runtime.internal.journal.AnswerLog.plain(a));
        }
        return out;
    }

    /** Each deadlock found, as one line (where the cycle's first wait is, and the whole cycle). */
    private List<String> deadlocks() {
        List<String> out = new ArrayList<>();
        for (Core.Deadlock d : core.deadlocks()) out.add(d.failedAt().split(" ", 2)[0] + ": at " + d.time() + "ms: " + d.message());
        return out;
    }

    /** The program's {@code Report} figures, evaluated against the final state (null when it declares none). */
    private Map<String, Object> programReport(List<String> errors) {
        try {
            return evaluateReport(plan, core);
        } catch (RuntimeException e) {
            errors.add("Report: " + e.getMessage());
            return null;
        }
    }

    /**
     * The program's {@code Report} figures against the run's state as it is now (null when it declares
     * none): an expression that reads state and changes nothing, so a live service may ask it any time.
     *
     * @throws RuntimeException what the evaluation threw (a figure that does not evaluate)
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> evaluateReport(Plan plan, Core core) {
        if (plan.report == null) return null;
        dev.baton.runtime.plan.Fiber f = new dev.baton.runtime.plan.Fiber(0, new dev.baton.runtime.plan.Body(-1, "Report", plan.file),
                dev.baton.runtime.plan.Fiber.Owner.LOAD, -1, null);
        f.ctx = core;
        Object v = Json.toPlain(plan.report.eval(f));
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    /** Per module: the instance count, and for each state variable the total over instances (numbers) or the single value. */
    private static Map<String, Object> summarize(Map<Object, Map<String, Object>> states) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instances", states.size());
        Map<String, Object> totals = new LinkedHashMap<>();
        for (Map<String, Object> st : states.values()) {
            st.forEach((k, v) -> {
                if (states.size() == 1) {
                    totals.put(k, Json.toPlain(v));
                } else if (v instanceof Long l) {
                    totals.merge("sum(" + k + ")", l, (a, b) -> (Long) a + (Long) b);
                } else if (v instanceof Double d) {
                    totals.merge("sum(" + k + ")", d, (a, b) -> ((Number) a).doubleValue() + (Double) b);
                } else if (v instanceof org.pcollections.PSortedMap<?, ?> pm) {
                    totals.merge("entries(" + k + ")", (long) pm.size(), (a, b) -> (Long) a + (Long) b);
                }
            });
        }
        out.putAll(totals);
        return out;
    }
}
