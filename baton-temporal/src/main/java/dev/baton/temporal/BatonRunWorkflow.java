package dev.baton.temporal;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One Baton run as a Temporal workflow; the result is the run's report as JSON. */
@WorkflowInterface
public interface BatonRunWorkflow {
    @WorkflowMethod(name = "BatonRun")
    String run(RunInput input);

    /** Engine time, events emitted and the chain's generation, as a line of text. */
    @QueryMethod(name = "progress")
    String progress();
}
