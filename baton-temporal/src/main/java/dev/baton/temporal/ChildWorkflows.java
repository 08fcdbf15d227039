package dev.baton.temporal;

import dev.baton.runtime.internal.exec.CoreCodec;
import dev.baton.runtime.internal.exec.Detached;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;

import java.util.Base64;
import java.util.HashMap;
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
    private final Map<String, Promise<String>> running = new LinkedHashMap<>();
    private final Map<String, CancellationScope> scopes = new HashMap<>();
    private final Map<String, Detached.Outcome> ended = new HashMap<>();
    /** Engine start time of each child out (a failed child workflow "ends" there). */
    private final Map<String, Long> starts = new HashMap<>();
    /** Runs apart worked out here, in cores of their own, rather than as child workflows. */
    private final Detached.Runner local;
    private final java.util.Set<String> locals = new java.util.HashSet<>();

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
        if (template.maxChildren < 0 || template.maxChildren > 0 && running.size() >= template.maxChildren
                || template.historyRoom > 0 && Workflow.getInfo().getHistoryLength() > template.historyRoom) {
            locals.add(run.id);
            local.started(run);
            return;
        }
        ChildInput in = new ChildInput();
        in.file = template.file;
        in.source = template.source;
        in.params = template.params;
        in.faults = template.faults;
        in.runId = template.runId;
        in.limitMs = template.limitMs;
        in.maxChildren = template.maxChildren;
        in.historyRoom = template.historyRoom;
        in.id = run.id;
        in.workflow = run.workflow;
        in.args = Base64.getEncoder().encodeToString(CoreCodec.valueBytes(run.args));
        in.startedAt = run.startedAt;
        in.seq = run.seq;
        in.depth = run.depth;
        in.seed = run.seed;
        BatonChildWorkflow child = Workflow.newChildWorkflowStub(BatonChildWorkflow.class,
                ChildWorkflowOptions.newBuilder().setWorkflowId(template.runId + "::" + run.id).build());
        CancellationScope scope = Workflow.newCancellationScope(() -> running.put(run.id, Async.function(child::run, in)));
        scope.run();
        scopes.put(run.id, scope);
        starts.put(run.id, run.startedAt);
    }

    @Override
    public Detached.Outcome at(Detached run, long upTo) {
        if (locals.contains(run.id)) {
            Detached.Outcome o = local.at(run, upTo);
            if (o != RUNNING) locals.remove(run.id);
            return o;
        }
        Detached.Outcome o = outcome(run);
        if (o == null) return null;
        if (o.end() > upTo) return RUNNING;
        ended.remove(run.id); // the core has it now
        starts.remove(run.id);
        return o;
    }

    @Override
    public long nextTime(Detached run) {
        if (locals.contains(run.id)) return local.nextTime(run);
        Detached.Outcome o = outcome(run);
        return o == null ? run.startedAt : o.end();
    }

    /** Cancels the child workflow; what it did up to the cancellation the core works out itself (it is deterministic). */
    @Override
    public Detached.Outcome cancelled(Detached run, long at) {
        if (locals.remove(run.id)) return local.cancelled(run, at);
        CancellationScope scope = scopes.remove(run.id);
        if (scope != null) scope.cancel();
        running.remove(run.id);
        ended.remove(run.id);
        starts.remove(run.id);
        return null;
    }

    /**
     * Takes in every child that has returned (true when there was one), so that the condition a
     * held run waits on — {@link #anyReturned} — only turns true for a child that returns after it.
     */
    boolean takeReturned() {
        boolean any = false;
        for (java.util.Iterator<Map.Entry<String, Promise<String>>> it = running.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Promise<String>> e = it.next();
            if (!e.getValue().isCompleted()) continue;
            it.remove();
            scopes.remove(e.getKey());
            ended.put(e.getKey(), decode(e.getValue(), starts.get(e.getKey())));
            any = true;
        }
        return any;
    }

    /** True when a child not yet taken in has returned: worth running the core again. */
    boolean anyReturned() {
        for (Promise<String> p : running.values()) if (p.isCompleted()) return true;
        return false;
    }

    /** The child's outcome once it returned; null while it runs. */
    private Detached.Outcome outcome(Detached run) {
        Detached.Outcome o = ended.get(run.id);
        if (o != null) return o;
        Promise<String> p = running.get(run.id);
        if (p == null) {
            started(run); // not started by this run of the workflow (it cannot be: none is carried over); start it now
            return null;
        }
        if (!p.isCompleted()) return null;
        running.remove(run.id);
        scopes.remove(run.id);
        o = decode(p, run.startedAt);
        ended.put(run.id, o);
        return o;
    }

    /** A returned child's outcome; a child workflow that itself failed (not its Baton workflow, which returns FAILED) fails the Run. */
    private static Detached.Outcome decode(Promise<String> p, long startedAt) {
        RuntimeException failure = p.getFailure();
        if (failure == null) return CoreCodec.outcome(Base64.getDecoder().decode(p.get()));
        dev.baton.runtime.internal.exec.Core.Stats stats = new dev.baton.runtime.internal.exec.Core.Stats();
        stats.workflowsStarted = 1;
        stats.workflowsFailed = 1;
        return new Detached.Outcome("FAILED", "its child workflow failed: " + failure.getMessage(), startedAt, stats,
                java.util.List.of(), java.util.List.of(), java.util.Map.of());
    }
}
