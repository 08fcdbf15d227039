package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Fiber;

import java.util.ArrayDeque;
import java.util.HashMap;
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
     * Last call applied per caller: caller -> {epoch, seq}; and its reply. The maps a snapshot
     * writes in key order iterate in key order ({@link KeyOrderedMap}: hashed lookups, keys sorted
     * only when iterated after one was added).
     */
    final Map<String, long[]> lastSeq = new KeyOrderedMap<>();
    final Map<String, Object> lastReply = new HashMap<>();
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

    Inst(int index, int module, Object key, String name) {
        this.index = index;
        this.module = module;
        this.key = key;
        this.name = name;
    }
}
