package dev.baton.runtime.plan;

import java.time.Duration;
import java.util.List;

/**
 * What compiled code needs from the engine. The embedded engine implements it; another
 * engine (Temporal) implements the same interface, so one plan runs everywhere.
 */
public interface Context {
    /** Engine time in milliseconds. */
    long now();

    /** Seeded randomness: a double in [0, 1). */
    double random();

    /** A deterministic id. */
    String uuid();

    Object[] state(Fiber f);

    Object instanceKey(Fiber f);

    Object global(String name);

    void setGlobal(Fiber f, String name, Object value);

    void emit(Fiber f, int event, Object payload);

    /** Starts a workflow; returns its id (an existing id: the existing workflow). */
    String startWorkflow(Fiber f, int workflow, Object args, Object id);

    /** Sends a call; the fiber suspends until {@link Instr#resume} delivers the reply. */
    void call(Fiber f, int module, Object instanceKey, int endpoint, Object args, CallOptions options);

    void sleep(Fiber f, Duration d);

    void await(Fiber f, int event, Ev where, Duration timeout);

    /** Asks a decision provider; attempt counts from 0. */
    Object decide(Fiber f, String provider, Object input, int attempt);

    /** Counts an accepted / rejected AI proposal for reports. */
    void countDecision(Fiber f, boolean accepted, List<String> failedChecks);

    /** Call options, resolved at call time. */
    record CallOptions(Duration timeout, int retries, Duration backoff, Object key) {
    }
}
