package dev.baton.runtime.plan;

/** What the engine needs to know about a saga's code to unwind into its compensations. */
public interface SagaLayout {
    /** pc of the StepBegin of a step (where a forward retry starts). */
    int stepStart(int step);

    /** True when the step says {@code [retry: n]} itself: then a failure before the pivot retries it before compensating. */
    default boolean declaresRetry(int step) {
        return false;
    }

    /** The step's {@code [backoff: d]} (the first wait between its retries, doubling), or null for the default. */
    default java.time.Duration stepBackoff(Fiber f, int step) {
        return null;
    }

    /** pc of the next compensation to run (skipping completed steps without one), or -1. */
    int nextCompensation(SagaFrame frame);

    /** Retries allowed: for a step (after the pivot) or for compensations. */
    int retries(Fiber f, int step, boolean compensating);

    /** Pops the saga's frame, binds its outcome, returns the pc after the saga. */
    int finish(Fiber f, String outcome);

    String stepName(int step);
}
