package dev.baton.runtime.internal.exec;

import java.util.List;

/**
 * A {@code Run} of a self-contained workflow (see {@code Plan.WorkflowPlan#detachable}) that
 * executes apart from the run which started it: in a core of its own on the embedded engine, as
 * a child workflow on Temporal. Its outcome depends only on what is recorded here, so wherever
 * it executes it ends the same way at the same engine time.
 *
 * <p>The run that started it keeps its place on the timeline: the task sequence number
 * {@link #seq}, taken when it started. Its completion is the task ({@code end}, {@code seq}), so
 * it is ordered among the starting run's own tasks exactly as if it had been known from the
 * start.
 */
public final class Detached {
    public final String id;
    public final int workflow;
    public final Object args;
    public final long startedAt;
    public final long seq;
    public final int depth;
    /** The seed of its own random stream (derived from the run's seed and {@link #id}). */
    public final long seed;
    /** Its outcome once known and on the timeline; null before. */
    Outcome outcome;

    /** True once its outcome is known (its completion is on the timeline, and in a snapshot). */
    public boolean ended() {
        return outcome != null;
    }

    public Detached(String id, int workflow, Object args, long startedAt, long seq, int depth, long seed) {
        this.id = id;
        this.workflow = workflow;
        this.args = args;
        this.startedAt = startedAt;
        this.seq = seq;
        this.depth = depth;
        this.seed = seed;
    }

    /**
     * How a workflow run apart ended: {@code status} COMPLETED, FAILED or CANCELLED; {@code value}
     * its result, or the error; at engine time {@code end}; with the counters, runtime errors and
     * declared failures of everything it did (its own start included in
     * {@code stats.workflowsStarted}), and how many of the workflows it ran ended in each state
     * (itself not included).
     */
    public record Outcome(String status, Object value, long end, Core.Stats stats, List<Core.RunError> errors,
                          List<Core.RunError> failures, java.util.Map<String, Long> workflows) {
        public boolean ok() {
            return status.equals("COMPLETED");
        }
    }

    /** Where an engine executes the workflows run apart. */
    public interface Runner {
        /** Still running at the engine time asked about. */
        Outcome RUNNING = new Outcome("RUNNING", null, Long.MAX_VALUE, new Core.Stats(), List.of(), List.of(), java.util.Map.of());

        /** {@code run} has started (an engine may start executing it elsewhere now). */
        void started(Detached run);

        /**
         * How {@code run} stands at engine time {@code upTo}: its outcome when it ended at or before
         * then, {@link #RUNNING} when it is still running then, or null when that is not known yet
         * (the core then holds its time at the run's start until it is).
         */
        Outcome at(Detached run, long upTo);

        /**
         * {@code run} is cancelled at engine time {@code at}: its result is no longer wanted. Returns
         * how it ended — what it did up to and including {@code at}, then cancelled — when the
         * runner can tell at once, else null (the core works it out itself).
         */
        Outcome cancelled(Detached run, long at);

        /**
         * The earliest engine time at which {@code run} may next do something (end, at the latest):
         * an engine that skips empty stretches of time must not skip past it. The start of the
         * run when that is not known.
         */
        long nextTime(Detached run);
    }

    /** The embedded way for the runs apart of {@code owner}: each in a core of its own, advanced in step with it. */
    public static Runner inline(Core owner) {
        return new Inline(owner);
    }

    /** The embedded way: each run apart in a core of its own, advanced in step with the core that started it. */
    static final class Inline implements Runner {
        private final Core owner;
        private final java.util.Map<String, Core> cores = new java.util.HashMap<>();

        Inline(Core owner) {
            this.owner = owner;
        }

        @Override
        public void started(Detached run) {
            // nothing to do yet: the core is made when first asked about (also after a restore)
        }

        private Core core(Detached run) {
            return cores.computeIfAbsent(run.id, k -> Core.apart(owner.plan, owner.faults, owner.decisions, run));
        }

        @Override
        public long nextTime(Detached run) {
            Core core = core(run);
            Outcome o = core.outcome();
            return o != null ? o.end() : core.nextTime();
        }

        @Override
        public Outcome at(Detached run, long upTo) {
            Core core = core(run);
            Outcome o = core.outcome();
            if (o == null) {
                core.runUntil(upTo);
                o = core.outcome();
            }
            if (o == null || o.end() > upTo) return RUNNING;
            cores.remove(run.id);
            return o;
        }

        @Override
        public Outcome cancelled(Detached run, long at) {
            Core core = cores.remove(run.id);
            return core == null ? null : core.cancelAt(at);
        }
    }
}
