package dev.baton.temporal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a worker that is stopping gives its runs to the others. A worker keeps each run it works
 * on in its cache, and Temporal sends that run's next workflow task to the worker's own
 * ("sticky") queue. A real cluster moves such a task to the shared queue once the worker is
 * gone; Temporal's test server never does, so there a stopped worker would strand its runs. So
 * before it stops, the worker signals each run it has served ({@code handOver}: nothing to
 * apply), and fails the workflow task that brings the signal, or any other task of those runs
 * it gets meanwhile, without running it: a failed task is retried on the shared queue, where
 * any worker replays the run from its history. Failing a task records nothing, so the run is
 * exactly as if this worker had never seen that task.
 */
final class HandOver {
    private final Set<String> served = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /** The runs (workflow ids) this worker has worked on. */
    Set<String> served() {
        return served;
    }

    void serving(String workflowId) {
        served.add(workflowId);
    }

    /** The run has ended: nothing to hand over. */
    void finished(String workflowId) {
        served.remove(workflowId);
    }

    /** From now on, the runs' workflow tasks fail here and go to other workers. */
    void stop() {
        stopping = true;
    }

    /** In workflow code, where a task may begin: throws while this worker is stopping. */
    void check() {
        if (stopping) throw new Stopping();
    }

    /** Fails the workflow task (an Error, not an exception: Temporal retries the task, it does not fail the run). */
    static final class Stopping extends Error {
        Stopping() {
            super("this worker is stopping: the run goes on with another worker", null, false, false);
        }
    }
}
