package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.value.Values;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Self-contained child workflows that run apart from the run that started them (see
 * {@link Detached}): on a core of their own, or as a Temporal child workflow.
 *
 * <h2>Design</h2>
 * A run apart is a pure function of what started it (plan, arguments, its own random stream,
 * its start time), so where it runs changes nothing: its completion is put on this timeline at
 * the engine time it ended, with the sequence number it was given when it started — the place
 * it would have had inline. Until a run apart tells how it ends, the core may not move past any
 * moment it could end at ({@link #resolve}); a cancellation takes what it did up to then.
 *
 * <p>Owns: the runs apart in flight, the root of a core made to run one, the counts of
 * workflows that ended apart. Must not run them (a {@link Detached.Runner} does).
 */
final class RunsApart {
    private final Core core;
    /** Runs apart in flight, by workflow id, in start order. */
    final Map<String, Detached> runs = new LinkedHashMap<>();
    Detached.Runner runner;
    /** False: self-contained workflows run inline like any other (what builds before runs apart did). */
    boolean enabled = true;
    /** In a core made by {@link Core#apart}: the workflow it runs, and the engine time it ended (-1 while it runs). */
    String rootId;
    long rootEnded = -1;
    /** How the workflows that runs apart ran ended (those runs themselves are in {@link Workflows#all}), by state. */
    final TreeMap<String, Long> ended = new TreeMap<>();

    RunsApart(Core core) {
        this.core = core;
        this.runner = new Detached.Inline(core);
    }

    /** Child workflow {@code w} (already recorded) starts apart with {@code args}. */
    void start(Wf w, Object args) {
        Detached d = new Detached(w.id, w.workflow, args, core.timeline.now, ++core.timeline.taskSeq, w.depth, seedFor(w.id));
        runs.put(w.id, d);
        runner.started(d);
    }

    /** The seed of a run apart's random stream: the run's seed and the workflow id, mixed. */
    private long seedFor(String id) {
        long h = core.seed ^ 0x9E3779B97F4A7C15L;
        for (int i = 0; i < id.length(); i++) h = (h ^ id.charAt(i)) * 0x100000001B3L;
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    /** The earliest a run apart still in flight may end (or {@code next} when none ends sooner). */
    long nextTime(long next) {
        for (Detached d : runs.values()) if (d.outcome == null) next = Math.min(next, Math.max(core.timeline.now, runner.nextTime(d)));
        return next;
    }

    /**
     * Makes sure no run apart ends before {@code next} (or, when null, at or before {@code until}):
     * the completion of each that does is put on the timeline at its place. False when one cannot
     * tell yet (a Temporal child workflow still running): nothing may happen after its start then.
     */
    boolean resolve(Task next, long until) {
        long upTo = next == null ? until : next.time();
        for (Detached d : runs.values()) {
            if (d.outcome != null) continue;
            if (next != null && (next.time() < d.startedAt || next.time() == d.startedAt && next.seq() < d.seq)) continue;
            Detached.Outcome o = runner.at(d, upTo);
            if (o == null) return false;
            if (o == Detached.Runner.RUNNING) continue;
            d.outcome = o;
            core.timeline.tasks.add(new Task(Math.max(o.end(), core.timeline.now), d.seq, Task.DETACHED, -1, 0, 0, d.id));
        }
        return true;
    }

    /**
     * Puts the completion of each run apart whose outcome the runner already has on the timeline
     * now, at the place {@link #resolve} would give it once the core reached its end: the same
     * task, the same order — only known sooner, so a snapshot can carry it.
     */
    void settleReturned() {
        for (Detached d : runs.values()) {
            if (d.outcome != null) continue;
            Detached.Outcome o = runner.returned(d);
            if (o == null) continue;
            d.outcome = o;
            core.timeline.tasks.add(new Task(Math.max(o.end(), core.timeline.now), d.seq, Task.DETACHED, -1, 0, 0, d.id));
        }
    }

    /** True while a run apart's outcome is not known yet (a snapshot could not carry it). */
    boolean out() {
        for (Detached d : runs.values()) if (d.outcome == null) return true;
        return false;
    }

    /** A run apart ended: its parent learns how, as it would from the same workflow run inline. */
    void ended(String id) {
        Detached d = runs.remove(id);
        if (d == null) return; // cancelled meanwhile
        Detached.Outcome o = d.outcome;
        Wf w = core.workflows.all.get(id);
        absorb(o);
        w.status = Lifecycle.WORKFLOW.move(w.status, o.status());
        if (o.ok()) w.result = o.value();
        else w.error = Values.str(o.value());
        core.workflows.notifyParent(w, o.ok() ? w.result : new CallFailure("child workflow " + w.id
                + (o.status().equals("CANCELLED") ? " was cancelled" : " failed: " + w.error)));
    }

    /**
     * Cancels a run apart. It has no effects to undo (it is self-contained), but what it did up to
     * now counts, as it would inline: the engine's runner tells, or it is worked out again here
     * (a run apart is a pure function of what started it).
     */
    void cancel(Detached d) {
        runs.remove(d.id);
        long now = core.timeline.now;
        Detached.Outcome partial = runner.cancelled(d, now);
        if (partial == null) partial = Core.apart(d.plan(core), core.faults, core.decisions, d).cancelAt(now);
        Wf w = core.workflows.all.get(d.id);
        absorb(partial);
        if (!partial.status().equals("CANCELLED")) {
            // it ended at this very engine time, after the cancellation in the run's order: cancelled all the same
            if (partial.ok()) core.stats.workflowsCompleted--;
            else core.stats.workflowsFailed--;
            core.stats.workflowsCancelled++;
        }
        w.status = Lifecycle.WORKFLOW.move(w.status, "CANCELLED");
        w.error = "cancelled";
        core.workflows.notifyParent(w, new CallFailure("child workflow " + w.id + " was cancelled"));
    }

    /** Adds what a run apart did — counters, errors, failures, the states its workflows ended in — to this run's. */
    private void absorb(Detached.Outcome o) {
        core.absorbOutcome(o);
        core.stats.workflowsStarted--; // counted here when it started
    }

    /** In a core made by {@link Core#apart}: how its workflow ended, or null while it runs. */
    Detached.Outcome outcome() {
        if (rootEnded < 0) return null;
        Wf w = core.workflows.all.get(rootId);
        Map<String, Long> others = core.workflows.byStatus();
        others.merge(w.status, -1L, Long::sum);
        others.values().removeIf(n -> n == 0);
        return new Detached.Outcome(w.status, w.status.equals("COMPLETED") ? w.result : w.error, rootEnded, core.stats,
                List.copyOf(core.errors), List.copyOf(core.failures), others);
    }
}
