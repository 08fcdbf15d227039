package dev.baton.temporal;

import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One self-contained Baton workflow, run apart from its run as a Temporal child workflow. The
 * result is its outcome — status, value, end time in engine time, counters — encoded (Base64).
 */
@WorkflowInterface
public interface BatonChildWorkflow {
    @WorkflowMethod(name = "BatonWorkflow")
    String run(ChildInput input);

    /** As {@link BatonRunWorkflow#handOver}: a stopping worker gives the child workflow to another. */
    @SignalMethod(name = "handOver")
    void handOver();
}
