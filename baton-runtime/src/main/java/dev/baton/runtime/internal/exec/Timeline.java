package dev.baton.runtime.internal.exec;

import java.time.Duration;

/**
 * The one timeline every part of the core runs on: engine time, the queue of {@link Task}s in
 * (time, sequence) order, the run's counters of ids and wait tokens, its random stream and its
 * trace.
 *
 * <h2>Design</h2>
 * Nothing in the core reads a clock or a global random source: engine time moves only when a
 * task is taken ({@link #next}), every id and token comes from a counter here, and every
 * random draw from {@link #random}. All of it is in a snapshot, so a restored core continues
 * on the same timeline. The trace folds in every task taken (and, now and then, an event's
 * payload): two runs with the same trace processed the same tasks in the same order.
 *
 * <p>Owns: {@code now}, the sequences, the task queue, the random state, the trace. Must not
 * know what a task means — that is {@link Core#step}'s dispatch to the parts.
 */
final class Timeline {
    long now;
    long taskSeq;
    long fiberSeq;
    long tokenSeq;
    long wfSeq;
    long rng;
    long trace = 0x9E3779B97F4A7C15L;
    final TaskQueue tasks = new TaskQueue();

    Timeline(long seed) {
        rng = seed ^ 0x5DEECE66DL;
        if (rng == 0) rng = 1;
    }

    /** Puts a task on the timeline (never before now) and returns it. */
    Task schedule(long time, int kind, int target, long fiber, long token, Object value) {
        long at = Math.max(time, now);
        Task t = new Task(at, ++taskSeq, kind, target, fiber, token, value);
        tasks.add(t, at - now);
        return t;
    }

    /** Takes the next task, moving engine time to it and folding it into the trace; null when none is left. */
    Task next() {
        Task t = tasks.poll();
        if (t == null) return null;
        now = t.time();
        mix(t.time());
        mix(t.kind() * 31L + t.target());
        return t;
    }

    Task peek() {
        return tasks.peek();
    }

    /** A new wait token. */
    long token() {
        return ++tokenSeq;
    }

    /** The next draw of the run's random stream, in [0, 1). */
    double random() {
        long x = rng;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        rng = x;
        return (x >>> 11) * 0x1.0p-53;
    }

    void mix(long v) {
        long h = trace ^ v;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        trace = h;
    }

    /** A duration in whole engine milliseconds, at least one (a wait of zero still yields). */
    static long periodMs(Duration d) {
        return Math.max(1, (d.toNanos() + 999_999) / 1_000_000);
    }
}
