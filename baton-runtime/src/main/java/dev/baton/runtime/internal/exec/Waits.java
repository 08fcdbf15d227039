package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Fiber;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every wait of the run in one place: each suspended fiber — an instance's handler or a
 * workflow (or one of its Fork branches) — with what it waits on and since when.
 *
 * <h2>Design</h2>
 * A fiber suspends through {@link #put} and is taken out through {@link #remove} when its
 * wait ends (a reply, a timer, an event, a lock, its branches, its child) or it is cancelled;
 * a fiber is woken only if it is here and the wake carries its current wait token. The parts
 * keep what only they need to end a wait (a call's retries in {@link Calls}, a lock queue in
 * {@link Locks}, a join's branch results in {@link Joins}); this registry is what can be listed
 * — by the console, by deadlock detection, by a migration walking suspended positions.
 *
 * <p>Owns: the suspended fibers and their {@link Kind}. Must not decide anything about a wait.
 */
final class Waits {
    /** What a fiber waits on. */
    enum Kind {
        /** The reply to a call it made. */
        REPLY,
        /** A timer ({@code Sleep}). */
        TIMER,
        /** An event ({@code Await}, maybe with a timeout). */
        EVENT,
        /** Lock keys held by another. */
        LOCK,
        /** The branches of its {@code Fork}. */
        JOIN,
        /** A child workflow it {@code Run}s. */
        CHILD,
        /** The backoff before a retry (a saga's step or compensation). */
        RETRY,
        /** Its first turn: a workflow or a Fork branch that has not run yet. */
        START
    }

    /** One wait: the fiber, what it waits on, and the engine time it began (-1: before a snapshot that did not record it). */
    static final class Wait {
        final Fiber fiber;
        final Kind kind;
        final long since;

        Wait(Fiber fiber, Kind kind, long since) {
            this.fiber = fiber;
            this.kind = kind;
            this.since = since;
        }
    }

    private final Map<Long, Wait> byFiber = new HashMap<>();

    void put(Fiber f, Kind kind, long since) {
        byFiber.put(f.id, new Wait(f, kind, since));
    }

    /** The suspended fiber with this id, or null. */
    Fiber get(long fiber) {
        Wait w = byFiber.get(fiber);
        return w == null ? null : w.fiber;
    }

    /** The fiber when it still waits in the wait that {@code token} names; null when that wait is over (woken, cancelled, gone). */
    Fiber waiting(long fiber, long token) {
        Wait w = byFiber.get(fiber);
        return w == null || w.fiber.waitToken != token ? null : w.fiber;
    }

    Wait of(long fiber) {
        return byFiber.get(fiber);
    }

    /** Ends a fiber's wait; the fiber, or null when it was not waiting. */
    Fiber remove(long fiber) {
        Wait w = byFiber.remove(fiber);
        return w == null ? null : w.fiber;
    }

    boolean isEmpty() {
        return byFiber.isEmpty();
    }

    int size() {
        return byFiber.size();
    }

    /** Every suspended fiber (in no particular order: sort where order matters). */
    Collection<Fiber> fibers() {
        List<Fiber> out = new ArrayList<>(byFiber.size());
        for (Wait w : byFiber.values()) out.add(w.fiber);
        return out;
    }

    Collection<Wait> all() {
        return byFiber.values();
    }
}
