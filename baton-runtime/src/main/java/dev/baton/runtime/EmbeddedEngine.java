package dev.baton.runtime;

import dev.baton.runtime.internal.exec.Core;
import dev.baton.runtime.internal.journal.Durability;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.Values;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The embedded engine: runs a {@link Plan} in this process with nothing else installed.
 *
 * <h2>The run loop</h2>
 * Engine time advances in slices of {@link #SLICE_MS}. At each slice boundary the engine
 * takes external events from the inbox (journaling them first), writes a snapshot when one
 * is due, and reports progress. With the fast clock (the default) engine time runs as fast
 * as the work allows; with the real clock it is paced to the wall clock.
 *
 * <h2>When a run stops</h2>
 * At {@code duration} if given. Otherwise once every load generator has finished, the inbox
 * is closed, the work has settled (no workflow running or waiting on a timer, no event or
 * command call queued or in flight — ticks and read-only queries are background) and no
 * command call has started for two periods of the slowest tick, so tick-driven pushes of
 * buffered state get flushed first; and at 10 s of engine time when a load never ends. A workflow that awaits an event without a
 * timeout does not keep a run alive.
 *
 * <h2>Durability</h2>
 * With a data directory, snapshots and the journal of external inputs make a run
 * resumable: run the same command again and it continues where it stopped (see
 * {@link Durability}).
 */
public final class EmbeddedEngine implements Engine {
    public static final long SLICE_MS = 10;
    static final Duration UNBOUNDED_LOAD_LIMIT = Duration.ofSeconds(10);

    private final Plan plan;
    private final EngineOptions options;
    private Core core;

    public EmbeddedEngine(Plan plan, EngineOptions options) {
        this.plan = plan;
        this.options = options;
    }

    /** The core, for tests and tools that inspect the final state. */
    public Core core() {
        return core;
    }

    @Override
    public RunReport run() throws IOException {
        Clock clock = options.clock();
        long wallStart = clock.nanoTime();
        Durability durability = options.dataDir() == null ? null : Durability.open(options.dataDir(), plan, options);
        boolean resumed = false;
        if (durability != null && durability.hasState()) {
            RunReport done = durability.finishedReport();
            if (done != null) {
                durability.close();
                return done;
            }
            core = durability.restore(plan, options);
            resumed = true;
        } else {
            core = new Core(plan, options.seed(), options.faults(), options.decisions());
            core.start();
        }
        core.setBus(options.bus());
        if (options.inbox() != null) options.inbox().resume(core.inboxPositions());
        long limit = limitMs();
        long maxTick = maxTickMs();
        long settledSince = -1;
        long settledCommands = 0;
        long lastProgress = clock.nanoTime();
        long lastEvents = core.stats().eventsEmitted;
        long lastSnapshot = core.now();
        long lastSnapshotWall = clock.nanoTime();
        long lastSnapshotCost = 0;
        long snapshotEvery = Math.max(SLICE_MS, options.snapshotEvery().toMillis());
        String reason;
        while (true) {
            long now = core.now();
            if (now >= limit) {
                reason = "duration reached (" + Values.duration(Duration.ofMillis(limit)) + " of engine time)";
                break;
            }
            boolean inboxOpen = options.inbox() != null && !options.inbox().closed();
            if (durability != null) durability.acceptInbox(core, options.inbox());
            else Durability.acceptVolatile(plan, core, options.inbox());
            if (!inboxOpen && options.duration() == null && core.settled()) {
                long commands = core.stats().commandCalls;
                if (settledSince < 0 || commands != settledCommands) {
                    settledSince = now;
                    settledCommands = commands;
                }
                if (now - settledSince >= 2 * maxTick || core.nextTime() == Long.MAX_VALUE) {
                    reason = plan.loads.isEmpty() && options.inbox() == null ? "work settled" : "loads finished and work settled";
                    break;
                }
            } else {
                settledSince = -1;
            }
            long until = Math.min(limit, (now / SLICE_MS + 1) * SLICE_MS);
            if (options.realClock() || inboxOpen) paceTo(wallStart, until);
            core.runUntil(until);
            // snapshots are observations (a restore continues identically from any of them), so their
            // cadence can follow cost: at least --snapshot-every of engine time apart, and at most
            // about a tenth of the wall time
            if (durability != null && core.now() - lastSnapshot >= snapshotEvery
                    && clock.nanoTime() - lastSnapshotWall >= 9 * lastSnapshotCost) {
                long s0 = clock.nanoTime();
                durability.snapshot(core);
                lastSnapshotWall = clock.nanoTime();
                lastSnapshotCost = lastSnapshotWall - s0;
                lastSnapshot = core.now();
            }
            if (options.progress() != null && clock.nanoTime() - lastProgress > 200_000_000L) {
                long wall = clock.nanoTime();
                long events = core.stats().eventsEmitted;
                double rate = (events - lastEvents) / ((wall - lastProgress) / 1e9);
                options.progress().accept(new Progress(core.now(), (wall - wallStart) / 1_000_000, events, rate, core.instanceCount(),
                        core.workflowsInFlight(), core.stats().errors));
                lastProgress = wall;
                lastEvents = events;
            }
        }
        RunReport report = report(reason, (clock.nanoTime() - wallStart) / 1_000_000, resumed);
        if (durability != null) durability.finish(core, report);
        return report;
    }

    private void paceTo(long wallStart, long engineMs) {
        long wait = wallStart + engineMs * 1_000_000L - options.clock().nanoTime();
        try {
            options.clock().sleepNanos(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long limitMs() {
        if (options.duration() != null) return Math.max(1, options.duration().toMillis());
        for (Plan.LoadPlan l : plan.loads) {
            if (l.total() < 0 && l.duration() == null && l.until() == null) return UNBOUNDED_LOAD_LIMIT.toMillis();
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

    RunReport report(String reason, long wallMs, boolean resumed) {
        Core.Stats s = core.stats();
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
        counters.put("crashes", s.crashes);
        counters.put("events_lost_to_crashes", s.eventsLostToCrashes);
        counters.put("workflows_started", s.workflowsStarted);
        counters.put("workflows_completed", s.workflowsCompleted);
        counters.put("workflows_failed", s.workflowsFailed);
        counters.put("workflows_cancelled", s.workflowsCancelled);
        counters.put("sagas_compensating", s.sagasCompensating);
        counters.put("compensation_retries", s.compensationRetries);
        counters.put("locks_granted", s.locksGranted);
        counters.put("leases_expired", s.leasesExpired);
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
        return new RunReport(plan.file.name(), "embedded", options.seed(), options.faults().toString(), reason, core.now(), wallMs, resumed,
                counters, core.eventCounts(), core.workflowsByStatus(), globals, modules, errors, s.errors,
                String.format("%016x", core.traceHash()), programReport(errors), failures, s.failures);
    }

    /** The program's {@code Report} figures, evaluated against the final state (null when it declares none). */
    @SuppressWarnings("unchecked")
    private Map<String, Object> programReport(List<String> errors) {
        if (plan.report == null) return null;
        dev.baton.runtime.plan.Fiber f = new dev.baton.runtime.plan.Fiber(0, new dev.baton.runtime.plan.Body(-1, "Report", plan.file),
                dev.baton.runtime.plan.Fiber.Owner.LOAD, -1, null);
        f.ctx = core;
        try {
            Object v = Json.toPlain(plan.report.eval(f));
            return v instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
        } catch (RuntimeException e) {
            errors.add("Report: " + e.getMessage());
            return null;
        }
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
