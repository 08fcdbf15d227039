package dev.baton.runtime.internal.exec;

import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.LockFrame;
import dev.baton.runtime.plan.SagaFrame;
import dev.baton.runtime.plan.SagaLayout;

import java.time.Duration;

/**
 * What a failure does on its way out of a fiber: it travels through the fiber's frames —
 * sagas and locks — innermost first.
 *
 * <h2>Design</h2>
 * A lock frame releases its keys. A saga before its pivot retries a step that declares
 * {@code [retry: n]}, then compensates the completed steps in reverse order; after its pivot it
 * only moves forward, retrying the failing step; a failing compensation is retried with backoff
 * and escalates after its limit. A retry suspends the fiber (a {@link Waits.Kind#RETRY} wait)
 * and runs it again from the step's start. Cancellation is a failure too: it compensates unless
 * asked not to, and never retries. The frames themselves ({@link SagaFrame}, {@link LockFrame})
 * are the fiber's, so they are in a snapshot with it.
 *
 * <p>Owns: unwinding, compensation order, retry budgets. Must not hold locks ({@link Locks}) or
 * end the fiber ({@link Fibers#fail}).
 */
final class Sagas {
    private static final int SUSPENDED = -10;
    private static final int FAILED = -11;

    private final Core core;

    Sagas(Core core) {
        this.core = core;
    }

    /**
     * Unwinds {@code f} after {@code e}: the pc to continue at (a compensation), or -1 when it is
     * over for now — a retry was scheduled, or nothing handled the failure and the fiber failed.
     */
    int unwindOrFail(Fiber f, RuntimeException e) {
        RuntimeException[] end = {null};
        int next = f.frames.isEmpty() ? FAILED : unwind(f, e, end);
        if (next == SUSPENDED) return -1;
        if (next == FAILED) {
            core.fibers.fail(f, f.body.code[Math.max(0, Math.min(f.pc, f.body.code.length - 1))].span, end[0] != null ? end[0] : e);
            return -1;
        }
        return next;
    }

    /**
     * Returns the pc to continue at, or SUSPENDED (a retry is scheduled), or FAILED (nothing
     * handled it; {@code end[0]} holds the final error).
     */
    private int unwind(Fiber f, RuntimeException e, RuntimeException[] end) {
        RuntimeException err = e;
        Stats stats = core.stats;
        while (!f.frames.isEmpty()) {
            int last = f.frames.size() - 1;
            Object top = f.frames.get(last);
            if (top instanceof LockFrame lf) {
                f.frames.remove(last);
                core.locks.releaseKeys(lf);
                continue;
            }
            SagaFrame sf = (SagaFrame) top;
            SagaLayout saga = (SagaLayout) f.body.code[sf.beginPc];
            if (!sf.compensating) {
                if (f.cancelling && f.noCompensate) {
                    f.frames.remove(last);
                    continue;
                }
                if (sf.pivotPassed && !f.cancelling) {
                    int limit = saga.retries(f, sf.current, false);
                    if (sf.attempts < limit) {
                        sf.attempts++;
                        f.pc = saga.stepStart(sf.current);
                        core.fibers.retryLater(f, backoff(sf.attempts));
                        return SUSPENDED;
                    }
                    f.frames.remove(last);
                    err = new dev.baton.runtime.plan.Failure("step " + saga.stepName(sf.current) + " failed after the pivot and " + limit
                            + " retries: " + Fibers.message(err));
                    continue;
                }
                if (!f.cancelling && saga.declaresRetry(sf.current)) {
                    // a step that says [retry: n] is tried again (with backoff) before the saga gives up on it
                    int limit = saga.retries(f, sf.current, false);
                    if (sf.attempts < limit) {
                        sf.attempts++;
                        stats.stepRetries++;
                        f.pc = saga.stepStart(sf.current);
                        Duration first = saga.stepBackoff(f, sf.current);
                        core.fibers.retryLater(f, first == null ? backoff(sf.attempts)
                                : Duration.ofMillis(Math.min(60_000, first.toMillis() << Math.min(16, sf.attempts - 1))));
                        return SUSPENDED;
                    }
                }
                sf.compensating = true;
                sf.failure = Fibers.message(err);
                sf.attempts = 0;
                stats.sagasCompensating++;
                int next = saga.nextCompensation(sf);
                if (next < 0) {
                    if (f.cancelling) {
                        f.frames.remove(last);
                        continue;
                    }
                    return saga.finish(f, "compensated");
                }
                f.blockCalls = 0;
                return next;
            }
            int limit = saga.retries(f, -1, true);
            if (sf.attempts < limit) {
                sf.attempts++;
                stats.compensationRetries++;
                f.pc = saga.nextCompensation(sf);
                f.blockCalls = 0;
                core.fibers.retryLater(f, backoff(sf.attempts));
                return SUSPENDED;
            }
            f.frames.remove(last);
            int step = sf.completed.isEmpty() ? -1 : sf.completed.get(sf.completed.size() - 1);
            err = new dev.baton.runtime.plan.Failure("compensation of step " + (step < 0 ? "?" : saga.stepName(step)) + " failed "
                    + (limit + 1) + " times (" + Fibers.message(err) + "); the saga needs attention");
        }
        end[0] = err;
        return FAILED;
    }

    private static Duration backoff(int attempt) {
        return Duration.ofMillis(Math.min(5000, 100L << Math.min(10, attempt - 1)));
    }
}
