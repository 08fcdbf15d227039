package dev.baton.runtime.internal.exec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The timeline's tasks in (time, sequence) order.
 *
 * <h2>Design</h2>
 * Most tasks are scheduled a fixed delay ahead of now: a call's timeout, a tick's period, a
 * load's next step. Tasks scheduled with the same delay arrive in (time, sequence) order — now
 * never goes back and every sequence is new — so each such group is a FIFO that is already
 * sorted. The queue keeps up to {@link #LANES} of them (a lane per delay in use) and a binary
 * heap for the rest (other delays, and tasks put back by a restore); taking the next task
 * compares the heads. The order taken is exactly the single heap's order; what changes is the
 * cost: a run with 400,000 calls waiting out their timeouts (a timeout stays on the timeline
 * after its reply, and is taken as a no-op at its time) pushed and popped every task through a
 * heap of that size, and a snapshot sorted it; here they sit in one FIFO, and a snapshot merges
 * the sorted lanes. The time and sequence of each lane's head are kept in two arrays beside the
 * lanes, so finding the next task reads them, not eight deques and their heads' tasks.
 */
final class TaskQueue {
    static final int LANES = 8;
    private final PriorityQueue<Task> heap = new PriorityQueue<>();
    private final long[] delay = new long[LANES];
    @SuppressWarnings("unchecked")
    private final ArrayDeque<Task>[] lanes = new ArrayDeque[LANES];
    /** Each lane's head task's time and sequence (meaningful while the lane is in use: delay >= 0). */
    private final long[] headTime = new long[LANES];
    private final long[] headSeq = new long[LANES];
    private int size;

    TaskQueue() {
        for (int i = 0; i < LANES; i++) {
            lanes[i] = new ArrayDeque<>();
            delay[i] = -1;
        }
    }

    /** Adds a task scheduled {@code delayMs} after now (its sequence newer than every task here). */
    void add(Task t, long delayMs) {
        size++;
        int free = -1;
        for (int i = 0; i < LANES; i++) {
            if (delay[i] == delayMs) {
                lanes[i].addLast(t);
                return;
            }
            if (free < 0 && delay[i] < 0) free = i;
        }
        if (free >= 0) {
            delay[free] = delayMs;
            lanes[free].addLast(t);
            headTime[free] = t.time();
            headSeq[free] = t.seq();
            return;
        }
        heap.add(t);
    }

    /** Adds a task of any time and sequence (a restore's, a detached run's end). */
    void add(Task t) {
        size++;
        heap.add(t);
    }

    /** The lane holding the next task, or -1 when the heap does (or nothing does). */
    private int first() {
        Task top = heap.peek();
        boolean any = top != null;
        long time = any ? top.time() : 0;
        long seq = any ? top.seq() : 0;
        int at = -1;
        for (int i = 0; i < LANES; i++) {
            if (delay[i] < 0) continue;
            long t = headTime[i];
            if (!any || t < time || (t == time && headSeq[i] < seq)) {
                any = true;
                time = t;
                seq = headSeq[i];
                at = i;
            }
        }
        return at;
    }

    Task peek() {
        int at = first();
        return at >= 0 ? lanes[at].peekFirst() : heap.peek();
    }

    Task poll() {
        int at = first();
        if (at < 0) {
            Task t = heap.poll();
            if (t != null) size--;
            return t;
        }
        Task t = lanes[at].pollFirst();
        Task next = lanes[at].peekFirst();
        if (next == null) {
            delay[at] = -1;
        } else {
            headTime[at] = next.time();
            headSeq[at] = next.seq();
        }
        size--;
        return t;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Every task, in the order they will be taken. */
    List<Task> sorted() {
        List<Task> all = new ArrayList<>(size);
        List<Task> rest = new ArrayList<>(heap);
        rest.sort(null);
        int[] at = new int[LANES + 1];
        @SuppressWarnings("unchecked")
        List<Task>[] runs = new List[LANES + 1];
        for (int i = 0; i < LANES; i++) runs[i] = new ArrayList<>(lanes[i]);
        runs[LANES] = rest;
        while (all.size() < size) {
            int best = -1;
            for (int i = 0; i <= LANES; i++) {
                if (at[i] < runs[i].size() && (best < 0 || runs[i].get(at[i]).compareTo(runs[best].get(at[best])) < 0)) best = i;
            }
            all.add(runs[best].get(at[best]++));
        }
        return all;
    }
}
