package dev.baton.temporal;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Runs a batch of calls to a run's hot modules against the state store (a local activity, run
 * by the worker that runs the workflow): see {@code dev.baton.runtime.internal.exec.Hot}.
 */
@ActivityInterface
public interface BatonHot {
    @ActivityMethod(name = "HotBatch")
    byte[] run(HotBatch batch);

    /** The records of the run's hot modules ({@code batch.modules}) as they stand, by module (none for one never written). */
    @ActivityMethod(name = "HotRecords")
    java.util.Map<String, byte[]> records(HotBatch batch);
}
