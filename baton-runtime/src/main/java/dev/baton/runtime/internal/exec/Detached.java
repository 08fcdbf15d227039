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
    /**
     * The program it runs under when that is not its run's: a run moved to a new version while
     * this one ran apart ({@link Migrator}) lets it finish under the version it started in —
     * it reads nothing of the run, so that version's code decides its outcome alone. Null: the
     * run's own program.
     */
    dev.baton.runtime.plan.Plan pinned;

    /** The earlier version of the program it runs under, or null when it runs under its run's. */
    public dev.baton.runtime.plan.Plan pinnedPlan() {
        return pinned;
    }

    /** The program it runs under, in a run whose core is {@code owner}. */
    dev.baton.runtime.plan.Plan plan(Core owner) {
        return pinned != null ? pinned : owner.plan;
    }

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
    public record Outcome(String status, Object value, long end, Stats stats, List<Core.RunError> errors,
                          List<Core.RunError> failures, java.util.Map<String, Long> workflows) {
        public boolean ok() {
            return status.equals("COMPLETED");
        }
    }

    /** Where an engine executes the workflows run apart. */
    public interface Runner {
        /** Still running at the engine time asked about. */
        Outcome RUNNING = new Outcome("RUNNING", null, Long.MAX_VALUE, new Stats(), List.of(), List.of(), java.util.Map.of());

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

        /**
         * {@code run}'s outcome when it is already known without further work (a Temporal child
         * workflow that has returned), else null (the default).
         */
        default Outcome returned(Detached run) {
            return null;
        }
    }

    /** The embedded way for the runs apart of {@code owner}: each in a core of its own, advanced in step with it. */
    public static Runner inline(Core owner) {
        return new Inline(owner);
    }

    /**
     * The embedded way: each run apart in a core of its own, advanced in step with the core that
     * started it.
     *
     * <h2>Without recursion</h2>
     * A run apart may itself run workflows apart, as deep as the program's {@code max_depth}
     * allows (thousands of levels). Advancing a core asks its runner about its children, which
     * advances their cores, and so on: done by plain calls, a deep tree would overflow the stack.
     * So the runners of one tree share an {@link Agenda}: only the outermost call drives, with an
     * explicit stack of (core, engine time) it must reach; a core asked about a child that has not
     * reached the time yet holds (as a core waiting on a Temporal child workflow does), the child
     * is pushed and driven first, and the core is advanced again after it. The result is the same
     * as the recursive order, step for step.
     */
    static final class Inline implements Runner {
        /** Deeper than this, {@link #nextTime} answers conservatively instead of asking the subtree. */
        private static final int NEXT_TIME_DEPTH = 64;

        /** What the runners of one tree share: whether a drive is under way, and the cores it must advance. */
        static final class Agenda {
            private final java.util.ArrayDeque<Object[]> wants = new java.util.ArrayDeque<>(); // {Core, long upTo}
            private boolean driving;
            private int asking;
        }

        private final Core owner;
        private final Agenda agenda;
        private final java.util.Map<String, Core> cores = new java.util.HashMap<>();

        Inline(Core owner) {
            this(owner, new Agenda());
        }

        private Inline(Core owner, Agenda agenda) {
            this.owner = owner;
            this.agenda = agenda;
        }

        @Override
        public void started(Detached run) {
            // nothing to do yet: the core is made when first asked about (also after a restore)
        }

        private Core core(Detached run) {
            return cores.computeIfAbsent(run.id, k -> {
                Core c = Core.apart(run.plan(owner), owner.faults, owner.decisions, run);
                c.setRunner(new Inline(c, agenda));
                return c;
            });
        }

        @Override
        public long nextTime(Detached run) {
            Core core = core(run);
            Outcome o = core.outcome();
            if (o != null) return o.end();
            if (agenda.asking >= NEXT_TIME_DEPTH) return core.now(); // deep down: "may act from now on" is always safe
            agenda.asking++;
            try {
                return core.nextTime();
            } finally {
                agenda.asking--;
            }
        }

        @Override
        public Outcome at(Detached run, long upTo) {
            Core core = core(run);
            if (agenda.driving) {
                // asked from a core the drive advances: answer what is known, or have the child driven first
                Outcome known = known(run, core, upTo);
                if (known != null) return known;
                agenda.wants.push(new Object[] {core, upTo});
                return null;
            }
            drive(core, upTo);
            Outcome o = known(run, core, upTo);
            if (o == null) throw new IllegalStateException("a run apart did not reach engine time " + upTo);
            return o;
        }

        /**
         * Advances {@code core} to {@code upTo} with the agenda's explicit stack: a core that holds
         * for a child it asked about is advanced again once the child (pushed above it) has got
         * there. Re-entrant: a drive started inside another works on the stack above it.
         */
        private void drive(Core core, long upTo) {
            boolean outermost = !agenda.driving;
            agenda.driving = true;
            int base = agenda.wants.size();
            try {
                agenda.wants.push(new Object[] {core, upTo});
                while (agenda.wants.size() > base) {
                    Object[] want = agenda.wants.peek();
                    int before = agenda.wants.size();
                    ((Core) want[0]).runUntil((Long) want[1]);
                    if (agenda.wants.size() == before) agenda.wants.pop(); // reached: nothing deeper was wanted
                }
            } finally {
                if (outermost) {
                    agenda.driving = false;
                    agenda.wants.clear();
                }
            }
        }

        /** {@code run}'s standing at {@code upTo} when its core has got there: its outcome, or RUNNING; else null. */
        private Outcome known(Detached run, Core core, long upTo) {
            Outcome o = core.outcome();
            if (o != null && o.end() <= upTo) {
                cores.remove(run.id);
                return o;
            }
            if (o != null || core.now() >= upTo && !core.held()) return RUNNING;
            return null;
        }

        @Override
        public Outcome cancelled(Detached run, long at) {
            Core core = cores.remove(run.id);
            if (core == null) return null;
            drive(core, at);
            return core.cancelAt(at);
        }
    }
}
