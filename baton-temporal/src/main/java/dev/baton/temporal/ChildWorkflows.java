package dev.baton.temporal;

import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.internal.exec.Detached;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the self-contained workflows of a core as Temporal child workflows (workflow code: every
 * call here is recorded, and replays the same). A child is started when the core starts the
 * workflow, so the children of a {@code Fork} run in parallel, on whichever workers take them;
 * the core holds its engine time at the earliest unfinished child's start until that child
 * returns, then puts its completion at its place on the timeline.
 */
final class ChildWorkflows implements Detached.Runner {
    private final ChildInput template;
    /** The child workflows out, in start order, until the core has taken each one's outcome. */
    private final Map<String, Child> out = new LinkedHashMap<>();
    /** Runs apart worked out here, in cores of their own, rather than as child workflows. */
    private final Detached.Runner local;
    private final java.util.Set<String> locals = new java.util.HashSet<>();

    /** A child workflow: what it runs, its result to come, its scope (to cancel it), and its outcome once taken in. */
    private static final class Child {
        final Detached run;
        final Promise<String> result;
        final CancellationScope scope;
        Detached.Outcome outcome;

        Child(Detached run, Promise<String> result, CancellationScope scope) {
            this.run = run;
            this.result = result;
            this.scope = scope;
        }

        /** True when it has returned and its outcome was not taken in yet. */
        boolean returned() {
            return outcome == null && result.isCompleted();
        }

        /** Takes its outcome in once it has returned; a child workflow that itself failed (not its Baton workflow, which returns FAILED) fails the Run. */
        Detached.Outcome outcome() {
            if (returned()) {
                RuntimeException failure = result.getFailure();
                if (failure == null) {
                    outcome = CoreCodec.outcome(Base64.getDecoder().decode(result.get()));
                } else {
                    dev.baton.runtime.internal.exec.Stats stats = new dev.baton.runtime.internal.exec.Stats();
                    stats.workflowsStarted = 1;
                    stats.workflowsFailed = 1;
                    outcome = new Detached.Outcome("FAILED", "its child workflow failed: " + failure.getMessage(), run.startedAt, stats,
                            java.util.List.of(), java.util.List.of(), java.util.Map.of());
                }
            }
            return outcome;
        }
    }

    /**
     * {@code template}: the program, faults, run id, engine-time limit and bounds every child
     * shares: with {@code maxChildren} children out, or the workflow's history past
     * {@code historyRoom} events (each child adds three, and a run cannot continue as new while
     * one is out), a run apart is worked out by this workflow itself — the same result, decided
     * by what the history holds, so replay decides the same.
     */
    ChildWorkflows(ChildInput template, dev.baton.runtime.internal.exec.Core owner) {
        this.template = template;
        this.local = Detached.inline(owner);
    }

    @Override
    public void started(Detached run) {
        if (template.maxChildren < 0 || template.maxChildren > 0 && out.size() >= template.maxChildren
                || template.historyRoom > 0 && Workflow.getInfo().getHistoryLength() > template.historyRoom) {
            locals.add(run.id);
            local.started(run);
            return;
        }
        ChildInput in = template.forRun(run);
        BatonChildWorkflow child = Workflow.newChildWorkflowStub(BatonChildWorkflow.class,
                ChildWorkflowOptions.newBuilder().setWorkflowId(template.runId + "::" + run.id).build());
        Promise<String>[] result = new Promise[1];
        CancellationScope scope = Workflow.newCancellationScope(() -> result[0] = Async.function(child::run, in));
        scope.run();
        out.put(run.id, new Child(run, result[0], scope));
    }

    @Override
    public Detached.Outcome at(Detached run, long upTo) {
        if (locals.contains(run.id)) {
            Detached.Outcome o = local.at(run, upTo);
            if (o != RUNNING) locals.remove(run.id);
            return o;
        }
        Detached.Outcome o = child(run).outcome();
        if (o == null) return null;
        if (o.end() > upTo) return RUNNING;
        out.remove(run.id); // the core has it now
        return o;
    }

    /** A child workflow's outcome once it has returned (the core has it then); null while it runs or when it is worked out here. */
    @Override
    public Detached.Outcome returned(Detached run) {
        if (locals.contains(run.id)) return null;
        Child c = out.get(run.id);
        Detached.Outcome o = c == null || !c.result.isCompleted() ? null : c.outcome();
        if (o != null) out.remove(run.id);
        return o;
    }

    @Override
    public long nextTime(Detached run) {
        if (locals.contains(run.id)) return local.nextTime(run);
        Detached.Outcome o = child(run).outcome();
        return o == null ? run.startedAt : o.end();
    }

    /** Cancels the child workflow; what it did up to the cancellation the core works out itself (it is deterministic). */
    @Override
    public Detached.Outcome cancelled(Detached run, long at) {
        if (locals.remove(run.id)) return local.cancelled(run, at);
        Child c = out.remove(run.id);
        if (c != null) c.scope.cancel();
        return null;
    }

    /**
     * Takes in every child that has returned (true when there was one), so that the condition a
     * held run waits on — {@link #anyReturned} — only turns true for a child that returns after it.
     */
    boolean takeReturned() {
        boolean any = false;
        for (Child c : out.values()) {
            if (c.returned()) {
                c.outcome();
                any = true;
            }
        }
        return any;
    }

    /** True when a child not yet taken in has returned: worth running the core again. */
    boolean anyReturned() {
        for (Child c : out.values()) if (c.returned()) return true;
        return false;
    }

    /** The child workflow running {@code run}: every run apart the core asks about was started here (none is carried over). */
    private Child child(Detached run) {
        Child c = out.get(run.id);
        if (c == null) throw new IllegalStateException("no child workflow runs " + run.id);
        return c;
    }
}
