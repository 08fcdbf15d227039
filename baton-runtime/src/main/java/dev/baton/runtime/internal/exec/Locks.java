package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.LockFrame;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Locks with leases and fencing tokens ({@code Lock [keys] [lease: …, wait: …]}).
 *
 * <h2>Design</h2>
 * A workflow takes all its keys at once or waits in a first-come queue (no partial holds, so
 * two lockers cannot each hold half of what the other needs). Each grant has a fencing token
 * from a counter of the run and a lease: when the lease runs out the keys go to the next in
 * line and the old holder's later calls and writes, which carry its stale token, are refused
 * (by the callee: {@link Calls#admit}; by the holder itself: {@link #checkFences}). The held
 * keys are frames of the holding fiber ({@link LockFrame}), released when it leaves the block
 * or fails ({@link Sagas}).
 *
 * <p>Owns: holders, the queue, fencing tokens, leases. Must not know sagas or calls beyond the token.
 */
final class Locks {
    /** A held lock key. */
    record Holder(long fiber, long token, long expiresAt) {
    }

    /** A fiber waiting for lock keys (all at once). */
    record LockRequest(long fiber, long token, List<String> keys, long leaseMs) {
    }

    private final Core core;
    long fenceSeq;
    final Map<String, Holder> held = new TreeMap<>();
    final List<LockRequest> queue = new ArrayList<>();

    Locks(Core core) {
        this.core = core;
    }

    /** Takes {@code keys} for {@code f}: its fencing token, or -1 when it waits (suspended) for them. */
    long acquire(Fiber f, List<String> keys, Duration lease, Duration wait) {
        if (f.owner != Fiber.Owner.WORKFLOW) throw new ValueError("Lock is only allowed in a workflow");
        long leaseMs = Timeline.periodMs(lease);
        if (queue.isEmpty() && allFree(keys)) return grant(f, keys, leaseMs);
        long token = core.timeline.token();
        f.waitToken = token;
        core.fibers.suspend(f, "LOCKING", Waits.Kind.LOCK);
        queue.add(new LockRequest(f.id, token, keys, leaseMs));
        if (wait != null) core.schedule(core.timeline.now + Timeline.periodMs(wait), Task.REPLY, -1, f.id, token,
                new CallFailure("could not take the lock on " + keys + " within " + Values.duration(wait)));
        core.deadlocks.lockQueued(f);
        return -1;
    }

    private boolean allFree(List<String> keys) {
        for (String k : keys) if (held.containsKey(k)) return false;
        return true;
    }

    private long grant(Fiber f, List<String> keys, long leaseMs) {
        long token = ++fenceSeq;
        for (String k : keys) held.put(k, new Holder(f.id, token, core.timeline.now + leaseMs));
        f.frames.add(new LockFrame(keys, token));
        core.stats.locksGranted++;
        core.schedule(core.timeline.now + leaseMs, Task.LEASE, -1, 0, token, null);
        return token;
    }

    /** Grants queued requests, oldest first, whose keys are all free. */
    private void grantWaiting() {
        Iterator<LockRequest> it = queue.iterator();
        while (it.hasNext()) {
            LockRequest r = it.next();
            Fiber f = core.waits.waiting(r.fiber(), r.token());
            if (f == null) {
                it.remove();
                continue;
            }
            if (!allFree(r.keys())) continue;
            it.remove();
            long token = grant(f, r.keys(), r.leaseMs());
            core.schedule(core.timeline.now, Task.REPLY, -1, f.id, r.token(), token);
        }
    }

    /** The request of fiber {@code fiber} in the queue, or null. */
    LockRequest queued(long fiber) {
        for (LockRequest r : queue) if (r.fiber() == fiber) return r;
        return null;
    }

    void releaseKeys(LockFrame frame) {
        boolean freed = false;
        for (String k : frame.keys) {
            Holder h = held.get(k);
            if (h != null && h.token() == frame.token) {
                held.remove(k);
                freed = true;
            }
        }
        if (freed) grantWaiting();
    }

    /** A lease ran out: its keys are taken away (the holder's later writes are refused) and go to the next in line. */
    void leaseExpired(long token) {
        boolean expired = false;
        long holderFiber = 0;
        for (Iterator<Map.Entry<String, Holder>> it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Holder> e = it.next();
            if (e.getValue().token() == token) {
                holderFiber = e.getValue().fiber();
                it.remove();
                expired = true;
            }
        }
        if (!expired) return;
        core.stats.leasesExpired++;
        Fiber holder = core.waits.get(holderFiber);
        if (holder == null) {
            for (Wf w : core.workflows.all.values()) if (w.fiber != null && w.fiber.id == holderFiber) holder = w.fiber;
        }
        if (holder != null) {
            for (Object fr : holder.frames) if (fr instanceof LockFrame lf && lf.token == token) lf.revoked = true;
        }
        grantWaiting();
    }

    /** Refuses a write by {@code f} if one of its leases ran out (the lock went to another). */
    void checkFences(Fiber f) {
        for (Object fr : f.frames) if (fr instanceof LockFrame lf && lf.revoked) throw staleLease(lf);
    }

    static ValueError staleLease(LockFrame lf) {
        return new dev.baton.runtime.plan.Failure("the lease on " + lf.keys + " expired and the lock went to another holder; this write carries the stale "
                + "fencing token " + lf.token + " and is refused");
    }
}
