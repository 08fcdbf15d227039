package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Fiber;

/** A workflow run: its fiber while it lives, then its outcome. Lifecycle: {@link Lifecycle#WORKFLOW}. */
final class Wf {
    final String id;
    final int workflow;
    Fiber fiber;
    String status = "STARTED";
    Object result;
    String error;
    long callSeq;
    /** True while the workflow awaits an event with a timeout (it keeps a run alive). */
    boolean timedWait;
    final long startedAt;

    Wf(String id, int workflow, long startedAt) {
        this.id = id;
        this.workflow = workflow;
        this.startedAt = startedAt;
    }
}
