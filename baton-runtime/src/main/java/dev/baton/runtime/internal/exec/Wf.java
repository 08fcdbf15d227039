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
    /** For a child workflow: the parent workflow, and the parent fiber waiting in Run with its token. */
    String parent;
    long parentFiber;
    long parentToken;
    int depth;
    long childrenStarted;
    /** Child workflows still running (cancelled with this one). */
    final java.util.LinkedHashSet<String> children = new java.util.LinkedHashSet<>();
    final long startedAt;

    Wf(String id, int workflow, long startedAt) {
        this.id = id;
        this.workflow = workflow;
        this.startedAt = startedAt;
    }
}
