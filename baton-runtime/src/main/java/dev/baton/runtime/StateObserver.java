package dev.baton.runtime;

import java.util.Map;

/**
 * Sees a run's global state from outside (a shared store such as Redis, a dashboard). The engine
 * calls it at slice boundaries — at most every {@value #EVERY_MS} ms of engine time — and once at
 * the end, with the globals that changed since the last call. Engine time only grows within a
 * run, and after a crash the engine re-executes and calls again with the same (time, values), so
 * an observer that keeps the newest time wins stays exact: idempotent by engine time.
 */
public interface StateObserver {
    long EVERY_MS = 100;

    /**
     * @param engineTime engine time of the state, in ms
     * @param changed    the globals whose values changed since the last call, as plain JSON-ready
     *                   values ({@link Json#toPlain}); on the first call every global
     * @param last       true on the final call of a finished run
     */
    void globals(long engineTime, Map<String, Object> changed, boolean last);
}
