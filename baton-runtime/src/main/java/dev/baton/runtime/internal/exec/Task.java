package dev.baton.runtime.internal.exec;

/**
 * A scheduled task on the engine's timeline, ordered by (time, seq). Plain data.
 *
 * @param kind    see the constants
 * @param target  instance index, load index or -1
 * @param fiber   fiber id for WAKE / REPLY / TIMEOUT
 * @param token   wait token for WAKE / REPLY / TIMEOUT; tick index for TICK
 * @param value   message for DELIVER, reply value for REPLY
 */
record Task(long time, long seq, int kind, int target, long fiber, long token, Object value) implements Comparable<Task> {
    static final int DELIVER = 0;
    static final int TICK = 1;
    static final int WAKE = 2;
    static final int REPLY = 3;
    static final int TIMEOUT = 4;
    static final int LOAD = 5;
    static final int CRASH = 6;
    static final int RESTART = 7;
    static final int LEASE = 8;
    /** A workflow run apart ended (value: its id); see {@link Detached}. */
    static final int DETACHED = 9;

    @Override
    public int compareTo(Task o) {
        int c = Long.compare(time, o.time);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }
}
