package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Fiber;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * One module instance: its state slots, its mailbox, and the fiber it is running (an
 * instance runs one handler at a time). Lifecycle: see {@link Lifecycle#INSTANCE}.
 */
final class Inst {
    final int index;
    final int module;
    final Object key;
    final String name;
    Object[] state;
    final ArrayDeque<Msg> mailbox = new ArrayDeque<>();
    Fiber current;
    /** The message the current handler is running, and the call sequence when it began (for recovery). */
    Msg currentMsg;
    long callSeqAtStart;
    /** Incarnation: bumped when the instance restarts after a crash. */
    long epoch = 1;
    long callSeq;
    boolean crashed;
    /** True while {@code Core.drain} is running this instance's mailbox (not part of a snapshot: always false between tasks). */
    boolean draining;
    /**
     * The last call applied per caller, with its reply; the maps a snapshot writes in key order
     * iterate in key order ({@link KeyOrderedMap}: hashed lookups, keys sorted only when iterated
     * after one was added).
     */
    final Map<String, CallRecord> lastCall = new KeyOrderedMap<>();
    /** Successful replies by explicit or saga-derived idempotency key. */
    final Map<String, Object> keyed = new KeyOrderedMap<>();
    /** Highest fencing token seen per lock key (calls with an older token are refused). */
    final Map<String, Long> fences = new TreeMap<>();
    /** Pending tick messages per tick index (for the coalesce policy). */
    int[] ticksQueued;
    long handled;
    /** The fibers this instance runs its handlers that never wait in, by event index, then tick index after the events (made on first use). */
    Fiber[] reusable;
    String lifecycle = "CREATED";

    /**
     * The last call of one caller applied here: its incarnation and sequence, and its reply (to
     * replay to a duplicate). Updated in place by the caller's next call. A caller's earlier
     * incarnation keeps only its position (reply null), under {@code caller + "\0" + epoch}.
     */
    static final class CallRecord {
        long epoch;
        long seq;
        Object reply;

        CallRecord(long epoch, long seq, Object reply) {
            this.epoch = epoch;
            this.seq = seq;
            this.reply = reply;
        }

        CallRecord copy() {
            return new CallRecord(epoch, seq, reply);
        }
    }

    Inst(int index, int module, Object key, String name) {
        this.index = index;
        this.module = module;
        this.key = key;
        this.name = name;
    }
}
