package dev.baton.temporal;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One Baton run as a Temporal workflow; the result is the run's report as JSON. */
@WorkflowInterface
public interface BatonRunWorkflow {
    @WorkflowMethod(name = "BatonRun")
    String run(RunInput input);

    /**
     * External events, in order. Each carries its inbox source and sequence; the run drops one it
     * has applied already, so a sender that resends after a crash does no harm.
     */
    @SignalMethod(name = "events")
    void events(java.util.List<SignalItem> items);

    /**
     * Nothing to apply: wakes the run so that a worker which is stopping hands it over (see
     * {@link HandOver}). Recorded like any signal; the run carries on unchanged.
     */
    @SignalMethod(name = "handOver")
    void handOver();

    /**
     * A partition of this run (a workflow {@code ID#pK} this run started, see {@link RunInput#partitions})
     * has finished: what it did, for this run's report ({@code Core#partitionResult}, base64).
     */
    @SignalMethod(name = "partitionDone")
    void partitionDone(int partition, String result);

    /** A partition of this run has settled at {@code engineTime}: it waits for {@link #stopAt}. */
    @SignalMethod(name = "partitionSettled")
    void partitionSettled(int partition, long engineTime);

    /** To a partition other than the first: every partition has settled, the run ends at {@code engineTime}. */
    @SignalMethod(name = "stopAt")
    void stopAt(long engineTime);

    /** No more external events will come: the run may stop once its work settles. */
    @SignalMethod(name = "inboxClosed")
    void inboxClosed();

    /**
     * The last sequence of every inbox source the run has received (applied, or received and
     * about to be): where a restarted sender continues.
     */
    @QueryMethod(name = "positions")
    java.util.Map<String, Long> positions();

    /** The engine time and every global, as JSON: {@code {"time": ms, "globals": {…}}}. */
    @QueryMethod(name = "globals")
    String globals();

    /**
     * Calls an endpoint of the program (a {@code /execute} command, or a {@code /return} query)
     * inside the run, as a {@code Call} would — through the instance's mailbox, at the next slice
     * boundary — and answers {@code {"ok": true, "value": …}} or {@code {"ok": false, "failure": "…"}}.
     * Recorded in the history; a resend under the same caller is answered without running again.
     */
    @UpdateMethod(name = "execute")
    String execute(EndpointRequest request);

    /** Rejects a call that does not fit the program (unknown module, key, endpoint; bad arguments) before it is recorded. */
    @UpdateValidatorMethod(updateName = "execute")
    void validateExecute(EndpointRequest request);

    /**
     * Answers a {@code /return} endpoint from a copy of the run's current state (run forward
     * until the endpoint replies; the run itself is untouched). Same answer shape as {@link #execute}.
     */
    @QueryMethod(name = "query")
    String query(EndpointRequest request);

    /**
     * Starts or cancels one of the program's workflows in the run, at the next slice boundary, and
     * answers {@code {"id", "workflow", "status", "created"}} (start) or {@code {"id", "status"}}
     * (cancel). Recorded in the history; the same update id again gets the first answer.
     */
    @UpdateMethod(name = "command")
    String command(WorkflowCommand command);

    /** Rejects a command that does not fit the program (unknown workflow type, unknown id to cancel) before it is recorded. */
    @UpdateValidatorMethod(updateName = "command")
    void validateCommand(WorkflowCommand command);

    /**
     * A new version of the program (its text), taken at the run's next continue-as-new: the run
     * moves to it as a resumed embedded run does ({@code Migrator}: instances, state, suspended
     * workflows; all or nothing) and the next run of the chain runs it. Answers
     * {@code {"moved": true, "from", "to", …}} once moved, {@code {"moved": false, "why"}} for the
     * same program, or {@code {"refused": [reasons…]}} (nothing changed). Recorded in the history.
     */
    @UpdateMethod(name = "deploy")
    String deploy(String source);

    /** Rejects a new version that does not check (every error with its position) before it is recorded. */
    @UpdateValidatorMethod(updateName = "deploy")
    void validateDeploy(String source);

    /**
     * A read of the run's live state ({@code dev.baton.runtime.Inspect}: state, instances, instance,
     * workflow, workflows), its request and answer as JSON; {@code null} when the run has no such thing.
     */
    @QueryMethod(name = "inspect")
    String inspect(String read);

    /** Engine time, events emitted and the chain's generation, as a line of text. */
    @QueryMethod(name = "progress")
    String progress();
}
