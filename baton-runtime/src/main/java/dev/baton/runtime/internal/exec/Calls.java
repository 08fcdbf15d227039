package dev.baton.runtime.internal.exec;

import dev.baton.runtime.internal.exec.Inst.CallRecord;
import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.plan.Context;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.LockFrame;
import dev.baton.runtime.plan.Plan;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;

import java.util.HashMap;
import java.util.Map;

/**
 * Calls between modules (and into the program from outside): identities, de-duplication,
 * timeouts and retries, fencing.
 *
 * <h2>Design</h2>
 * A call carries (caller, epoch, sequence). The callee applies each once ({@link #admit}) and
 * replays its reply to a duplicate; a call from an earlier incarnation of a crashed caller is
 * applied once under its own (caller, epoch); a call under a lock carries its fencing token and
 * an older token is refused. A caller's call stays {@link #pending} until its reply is delivered;
 * a timeout resends it with the same sequence (so a retry is never applied twice), a saga's call
 * is resent until answered, and a call that asks for it is retried as a new attempt when the
 * callee fails it. Messages travel through {@link Network}.
 *
 * <p>Owns: pending calls, the CALL message each running endpoint answers, calls from outside and
 * their replies. Must not run handlers ({@link Instances}) or wake fibers itself ({@link Fibers#wake}).
 */
final class Calls {
    static final java.time.Duration DEFAULT_CALL_TIMEOUT = java.time.Duration.ofSeconds(10);
    static final int DEFAULT_CALL_RETRIES = 3;
    static final java.time.Duration DEFAULT_BACKOFF = java.time.Duration.ofMillis(100);

    /** A call waiting for its reply. {@code persistent}: retried until answered (calls in sagas). */
    record Pending(long fiber, long token, int target, Msg msg, int attemptsLeft, long backoffMs, long timeoutMs, boolean persistent,
                   boolean retryFailures) {
        Pending(long fiber, long token, int target, Msg msg, int attemptsLeft, long backoffMs, long timeoutMs, boolean persistent) {
            this(fiber, token, target, msg, attemptsLeft, backoffMs, timeoutMs, persistent, false);
        }
    }

    private final Core core;
    /** Calls waiting for their reply, by the calling fiber's id (negative: a call from outside). */
    final Map<Long, Pending> pending = new HashMap<>();
    /** The CALL message each running endpoint fiber answers. */
    final Map<Long, Msg> callMsgs = new HashMap<>();
    /** Calls from outside the program so far (their handles are the negated count). */
    private long outsideSeq;
    /** Replies to calls from outside not yet taken: handle to the reply (a value, or a {@link CallFailure}). */
    final Map<Long, Object> outsideReplies = new HashMap<>();

    Calls(Core core) {
        this.core = core;
    }

    /** A {@code Call} from fiber {@code f}: sent, and {@code f} suspended until its reply (see {@link Context#call}). */
    void call(Fiber f, int module, Object key, int endpoint, Object args, Context.CallOptions options) {
        if (f.owner == Fiber.Owner.LOAD) throw new ValueError("a Load block cannot Call; Emit events instead");
        Plan.ModulePlan m = core.plan.modules.get(module);
        int target = core.instances.instanceOf(module, key);
        String caller;
        long epoch;
        long seq;
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = core.instances.all[f.instance];
            caller = inst.name;
            epoch = inst.epoch;
            seq = ++inst.callSeq;
        } else {
            // each fiber of a workflow (Fork branches included) calls in sequence: its own identity
            caller = core.placement.callerPrefix() + f.workflow + "#" + f.id;
            epoch = 0;
            seq = ++f.callSeq;
        }
        String fenceKeys = null;
        long fenceToken = 0;
        for (Object fr : f.frames) {
            if (fr instanceof LockFrame lf) {
                if (lf.revoked) throw Locks.staleLease(lf);
                fenceKeys = fenceKeys == null ? String.join("\n", lf.keys) : fenceKeys + "\n" + String.join("\n", lf.keys);
                fenceToken = Math.max(fenceToken, lf.token);
            }
        }
        long token = core.timeline.token();
        f.waitToken = token;
        String idem = options.key() == null || options.key() == None.NONE ? null : Values.str(options.key());
        Msg msg = new Msg(Msg.CALL, endpoint, args, caller, epoch, seq, idem, f.id, token, fenceKeys, fenceToken);
        long timeout = Timeline.periodMs(options.timeout() == null ? DEFAULT_CALL_TIMEOUT : options.timeout());
        int retries = options.retries() < 0 ? DEFAULT_CALL_RETRIES : options.retries();
        long backoff = Timeline.periodMs(options.backoff() == null ? DEFAULT_BACKOFF : options.backoff());
        pending.put(f.id, new Pending(f.id, token, target, msg, retries, backoff, timeout, options.persistent(), options.retryFailures()));
        core.fibers.suspend(f, "CALLING", Waits.Kind.REPLY);
        core.stats.callsSent++;
        if (!m.endpoints.get(endpoint).query()) core.stats.commandCalls++;
        core.network.send(core.timeline.now, target, msg, m.name);
        core.schedule(core.timeline.now + timeout, Task.TIMEOUT, -1, f.id, token, null);
    }

    /**
     * Calls endpoint {@code endpoint} of the instance {@code key} of module {@code module} from
     * outside the program, as a {@code Call} would (see {@link Core#callFromOutside}); its handle.
     */
    long callFromOutside(String caller, int module, Object key, int endpoint, Object args) {
        Plan.ModulePlan m = core.plan.modules.get(module);
        int target = core.instances.instanceOf(module, key);
        long handle = -(++outsideSeq);
        long token = core.timeline.token();
        Msg msg = new Msg(Msg.CALL, endpoint, args, "outside:" + caller, 0, 1, null, handle, token, null, 0);
        long timeout = Timeline.periodMs(DEFAULT_CALL_TIMEOUT);
        pending.put(handle, new Pending(handle, token, target, msg, DEFAULT_CALL_RETRIES, Timeline.periodMs(DEFAULT_BACKOFF), timeout, false));
        core.stats.callsSent++;
        if (!m.endpoints.get(endpoint).query()) core.stats.commandCalls++;
        core.network.send(core.timeline.now, target, msg, m.name);
        core.schedule(core.timeline.now + timeout, Task.TIMEOUT, -1, handle, token, null);
        return handle;
    }

    /** True while a call from outside waits for its reply or its reply has not been taken. */
    boolean outsideOpen() {
        if (!outsideReplies.isEmpty()) return true;
        for (Long id : pending.keySet()) if (id < 0) return true;
        return false;
    }

    /** A call's time ran out: resent while it has attempts left (or is a saga's), else failed to its caller. */
    void timeout(long fiberId, long token) {
        Pending p = pending.get(fiberId);
        if (p == null || p.token() != token) return;
        // a negative id is a call from outside: no fiber waits
        if (fiberId >= 0 && core.waits.waiting(fiberId, token) == null) {
            pending.remove(fiberId);
            return;
        }
        if (p.attemptsLeft() > 0 || p.persistent()) {
            // a saga's call is retried until answered: its outcome must be known before anything is compensated
            core.stats.callRetries++;
            pending.put(fiberId, new Pending(p.fiber(), p.token(), p.target(), p.msg(), Math.max(0, p.attemptsLeft() - 1),
                    Math.min(p.backoffMs() * 2, 1000), p.timeoutMs(), p.persistent(), p.retryFailures()));
            long at = core.timeline.now + p.backoffMs();
            core.network.send(at, p.target(), p.msg(), targetModule(p));
            core.schedule(at + p.timeoutMs(), Task.TIMEOUT, -1, fiberId, token, null);
            return;
        }
        pending.remove(fiberId);
        core.stats.callsFailed++;
        core.fibers.wake(fiberId, token, new CallFailure("no reply from " + core.instances.all[p.target()].name + " (timed out)"));
    }

    /**
     * A reply reaching fiber {@code f}'s pending call: true when it is a failure to try again as a
     * new attempt (it is sent; the fiber keeps waiting), false when the fiber takes it.
     */
    boolean retriesFailure(Fiber f, long token, Object value) {
        Pending call = pending.get(f.id);
        if (call != null && call.token() == token && value instanceof CallFailure failed) {
            if (call.retryFailures() && call.attemptsLeft() > 0 && !fenced(failed)) {
                retryFailed(f, call);
                return true;
            }
            core.stats.callsFailed++; // the callee failed (its Fail, an error); a lost message is counted where it times out
        }
        return false;
    }

    /** A call the callee failed, sent again as a new attempt (the callee's de-duplication replays an attempt, not a key's failure). */
    private void retryFailed(Fiber f, Pending p) {
        core.stats.callRetries++;
        Msg m = p.msg();
        long seq = f.owner == Fiber.Owner.INSTANCE ? ++core.instances.all[f.instance].callSeq : ++f.callSeq;
        Msg again = new Msg(m.kind(), m.handler(), m.payload(), m.caller(), m.epoch(), seq, m.key(), m.fiber(), m.token(), m.fenceKeys(), m.fenceToken());
        pending.put(f.id, new Pending(p.fiber(), p.token(), p.target(), again, p.attemptsLeft() - 1, Math.min(p.backoffMs() * 2, 5000),
                p.timeoutMs(), p.persistent(), true));
        long at = core.timeline.now + p.backoffMs();
        core.network.send(at, p.target(), again, targetModule(p));
        core.schedule(at + p.timeoutMs(), Task.TIMEOUT, -1, f.id, p.token(), null);
    }

    private String targetModule(Pending p) {
        return core.plan.modules.get(core.instances.all[p.target()].module).name;
    }

    /** A refusal no retry can change: the caller's lock or incarnation was superseded, or the call was a deadlock's chosen wait. */
    private static boolean fenced(CallFailure f) {
        String m = f.message();
        return m.startsWith("stale fencing token") || m.startsWith("fenced:") || m.startsWith("deadlock ");
    }

    /** A reply to call {@code m}, sent back to its caller through the network while the call is still pending there. */
    void sendReply(Msg m, Object value) {
        // The call stays pending until its reply is delivered (see Fibers.wake), so a run never
        // counts a reply on the wire as settled work.
        Pending p = pending.get(m.fiber());
        if (p != null && p.token() == m.token()) {
            long latency = core.network.latency(null);
            if (core.network.drops()) return;
            core.schedule(core.timeline.now + latency, Task.REPLY, -1, m.fiber(), m.token(), value);
        }
    }

    /** De-duplication and fencing of a call reaching {@code inst}; false when it must not run. */
    boolean admit(Inst inst, Msg m) {
        Stats stats = core.stats;
        if (m.fenceKeys() != null) {
            for (String k : m.fenceKeys().split("\n")) {
                Long high = inst.fences.get(k);
                if (high != null && m.fenceToken() < high) {
                    stats.callsFenced++;
                    core.outlet.reply(m, new CallFailure("stale fencing token " + m.fenceToken() + " for lock '" + k
                            + "' (a newer holder has token " + high + ")"));
                    return false;
                }
            }
            for (String k : m.fenceKeys().split("\n")) inst.fences.merge(k, m.fenceToken(), Math::max);
        }
        // a duplicate delivery of the same attempt replays that attempt's reply (success or failure)
        CallRecord last = inst.lastCall.get(m.caller());
        if (last != null && m.epoch() < last.epoch) {
            // sent by an earlier incarnation of its caller before that one crashed, arriving late: it is
            // still a call that was made (its caller's state is gone, not the call), so it is applied —
            // once: its own (caller, epoch) keeps its sequence
            CallRecord old = inst.lastCall.get(earlierIncarnation(m.caller(), m.epoch()));
            if (old != null && m.seq() <= old.seq) {
                stats.callsDeduplicated++;
                return false;
            }
        } else if (last != null) {
            if (m.epoch() == last.epoch && m.seq() <= last.seq) {
                stats.callsDeduplicated++;
                if (m.seq() == last.seq) core.outlet.reply(m, last.reply);
                return false;
            }
        }
        // a retry under the same key (a new attempt) gets the first success again; a failed attempt changed nothing
        if (m.key() != null) {
            Object reply = inst.keyed.get(m.key());
            if (reply != null) {
                stats.callsDeduplicated++;
                record(inst, last, m.caller(), m.epoch(), m.seq(), reply);
                core.outlet.reply(m, reply);
                return false;
            }
        }
        return true;
    }

    /** The endpoint fiber {@code f} of {@code inst} ended with {@code result}: remembered for duplicates and replied. */
    void answered(Inst inst, long fiber, Object result) {
        Msg call = callMsgs.remove(fiber);
        if (call == null) return;
        remember(inst, call, result);
        core.outlet.reply(call, result);
    }

    /** The caller's record (its current one, {@code last}, or none yet) now says (epoch, seq) replied {@code reply}. */
    private static void record(Inst inst, CallRecord last, String caller, long epoch, long seq, Object reply) {
        if (last == null) {
            inst.lastCall.put(caller, new CallRecord(epoch, seq, reply));
        } else {
            last.epoch = epoch;
            last.seq = seq;
            last.reply = reply;
        }
    }

    /** Where the sequence of a caller's earlier incarnation is kept, beside its current one's. */
    private static String earlierIncarnation(String caller, long epoch) {
        return caller + "\u0000" + epoch;
    }

    private void remember(Inst inst, Msg call, Object result) {
        CallRecord last = inst.lastCall.get(call.caller());
        if (last != null && call.epoch() < last.epoch) {
            String earlier = earlierIncarnation(call.caller(), call.epoch());
            CallRecord kept = inst.lastCall.get(earlier);
            if (kept == null) {
                inst.lastCall.put(earlier, new CallRecord(call.epoch(), call.seq(), null));
            } else if (kept.seq < call.seq()) {
                kept.epoch = call.epoch();
                kept.seq = call.seq();
            }
        } else {
            if (last != null && call.epoch() > last.epoch) {
                // a new incarnation's first call: the last one's position is kept for its calls still on the way
                inst.lastCall.put(earlierIncarnation(call.caller(), last.epoch), new CallRecord(last.epoch, last.seq, null));
            }
            record(inst, last, call.caller(), call.epoch(), call.seq(), result);
        }
        // a failed keyed call changed nothing (rolled back): a retry with the key runs it again
        if (call.key() != null && !(result instanceof CallFailure)) inst.keyed.put(call.key(), result);
    }
}
