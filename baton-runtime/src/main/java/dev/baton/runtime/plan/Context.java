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

    /**
     * Asks a decision provider; attempt counts from 0. {@code rejected} says why the previous
     * attempt was rejected (empty on the first), so a model can be told.
     */
    Object decide(Fiber f, String provider, Object input, int attempt, dev.baton.lang.types.Type expect, List<String> checks,
                  List<String> rejected);

    /** Counts an accepted / rejected AI proposal for reports. */
    void countDecision(Fiber f, boolean accepted, List<String> failedChecks);

    /**
     * The {@code Ask} at {@code where} has settled on {@code taken} ({@code fallback}: every attempt was
     * rejected and it is the {@code otherwise}); its attempts were the {@link #decide} and {@link
     * #countDecision} calls just before. For the run's record of decisions; nothing by default.
     */
    default void askSettled(Fiber f, dev.baton.lang.Span where, Object taken, boolean fallback) {
    }

    /** Starts a child workflow; the fiber suspends until it ends ({@link Instr#resume} gets its result or a failure). */
    void runChild(Fiber f, int workflow, Object args, Object id);

    /** Cancels a workflow and its children: their sagas compensate, their locks are released. */
    void cancelWorkflow(Fiber f, String id);

    /**
     * Takes every key (all together, never one at a time, so two Lock statements cannot
     * deadlock). Returns the fencing token when granted at once; otherwise returns -1 and the
     * fiber suspends until {@link Instr#resume} delivers the token (or a failure on timeout).
     */
    long acquire(Fiber f, List<String> keys, Duration lease, Duration wait);

    void release(Fiber f, LockFrame frame);

    /** Throws when a lock this fiber writes under has lost its lease (a stale fencing token). */
    void checkFences(Fiber f);

    /**
     * Starts fork branches — one per start pc (static) or one per item at {@code starts[0]}
     * (dynamic, item in {@code itemSlot}) — and suspends the fiber until the join is decided.
     * {@code share}: the name other workflows join it under ({@code Fork [share: name]}), or null.
     */
    void fork(Fiber f, int[] starts, List<Object> items, int itemSlot, int joinKind, int joinCount, String onFailure, String share);

    /**
     * Suspends the fiber until the fork shared under {@code name} is decided (its results, or a
     * failure), or {@code timeout} passes first (None); {@code Join (name)}.
     */
    void joinShared(Fiber f, String name, Duration timeout);

    /** Suspends the fiber and runs it again from {@code f.pc} after {@code delay} (a saga retry). */
    void retryLater(Fiber f, Duration delay);

    /** A module's state variable across its instances, in key order (for reports). */
    Object allInstances(int module, int slot);

    /** An engine counter by name (the same names as a report's counters). */
    Object stat(String name);

    /** How much of a module's numeric state variable was lost in crashes with {@code crash-state=discard} (for reports). */
    Object discarded(int module, int slot);

    /** Call options, resolved at call time. {@code persistent}: retry until answered (calls in sagas). */
    /**
     * How a call is made: {@code retries} new sends after a lost message (-1: the default);
     * {@code retryFailures} also retries — as a new attempt under the same key, after the backoff —
     * when the callee fails ({@code retry_on: failure}); {@code persistent} retries until answered
     * (a saga's calls).
     */
    record CallOptions(Duration timeout, int retries, Duration backoff, Object key, boolean persistent, boolean retryFailures) {
        public CallOptions(Duration timeout, int retries, Duration backoff, Object key, boolean persistent) {
            this(timeout, retries, backoff, key, persistent, false);
        }
    }
}
