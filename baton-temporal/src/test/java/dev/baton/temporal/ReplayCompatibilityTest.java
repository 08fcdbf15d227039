package dev.baton.temporal;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Runs recorded by earlier builds replay on this one: a worker upgraded while a run is in flight
 * takes it over without a nondeterminism error. Each history in {@code replay/} was recorded by
 * the build named in its file name; a change to what the workflow does at a given point must be
 * guarded with {@code Workflow.getVersion} so the old histories still replay.
 */
class ReplayCompatibilityTest {
    /**
     * Recorded by ae66b2a (before empty stretches of engine time became one step, and a run waiting
     * for events polled every 50 ms): a run fed two events on standard input, a second apart.
     */
    @Test
    void aRunWaitingForEventsRecordedBeforeTimersToTheNextTask() {
        assertThatCode(() -> WorkflowReplayer.replayWorkflowExecutionFromResource("replay/idle-events-ae66b2a.json", BatonRunWorkflowImpl.class))
                .doesNotThrowAnyException();
    }

    /** The same run recorded by 30022b3 (timers to the next task, coalesced signals): 19 history events where ae66b2a wrote 226. */
    @Test
    void aRunWaitingForEventsRecordedWithTimersToTheNextTask() {
        assertThatCode(() -> WorkflowReplayer.replayWorkflowExecutionFromResource("replay/idle-events-30022b3.json", BatonRunWorkflowImpl.class))
                .doesNotThrowAnyException();
    }

    /**
     * Recorded by 44926c1, before a {@code Run} of a self-contained workflow became a child
     * workflow: {@code Main} runs {@code Square} (a Sleep and a random draw) inline, all in one
     * workflow task. This build, replaying it, must run it inline too (change {@code run-apart}).
     */
    @Test
    void aRunWithASelfContainedWorkflowRecordedBeforeRunsApart() {
        assertThatCode(() -> WorkflowReplayer.replayWorkflowExecutionFromResource("replay/run-apart-inline-44926c1.json", BatonRunWorkflowImpl.class))
                .doesNotThrowAnyException();
    }

    /**
     * The same program recorded by 9b66e8a, the first build with runs apart: the run, and its
     * child workflow running {@code Square}. Replayed under the run's own workflow id, which names
     * its children.
     */
    @Test
    void aRunAndItsChildWorkflowRecordedByTheFirstBuildWithRunsApart() {
        String run = "baton-apart.baton-b7063815d266-seed1";
        assertThatCode(() -> WorkflowReplayer.replayWorkflowExecution(history("run-apart-parent-9b66e8a.json", run), BatonRunWorkflowImpl.class))
                .doesNotThrowAnyException();
        assertThatCode(() -> WorkflowReplayer.replayWorkflowExecution(history("run-apart-child-9b66e8a.json", run + "::main/Square-1"),
                BatonChildWorkflowImpl.class)).doesNotThrowAnyException();
    }

    private static io.temporal.common.WorkflowExecutionHistory history(String resource, String workflowId) throws java.io.IOException {
        try (var in = ReplayCompatibilityTest.class.getResourceAsStream("/replay/" + resource)) {
            return io.temporal.common.WorkflowExecutionHistory.fromJson(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), workflowId);
        }
    }
}
