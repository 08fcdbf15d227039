package dev.baton.runtime.internal.exec;

import dev.baton.lang.SourceFile;
import dev.baton.lang.Span;
import dev.baton.runtime.plan.CallFailure;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Instr;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.StateMap;
import dev.baton.runtime.value.ValueError;

/**
 * Runs fibers — handlers, workflows, Fork branches — and ends them: the interpreter loop,
 * suspension and wake-up, completion, failure and rollback.
 *
 * <h2>Design</h2>
 * A fiber is plain data (body, pc, locals); no thread belongs to it. {@link #interpret} runs one
 * until it suspends, returns or fails, with a budget of {@link Core#MAX_STEPS} instructions
 * between two waits so one loop cannot stall the single engine thread. A fiber suspends through
 * {@link #suspend} (recorded in {@link Waits}) with a fresh wait token; {@link #wake} resumes it
 * only if the wake carries that token, so a late reply or a timer of an earlier wait is ignored.
 * A failure unwinds through the fiber's saga and lock frames ({@link Sagas#unwind}) before it
 * ends the fiber; a failed handler's changes to its instance and to globals are rolled back.
 *
 * <p>Owns: running and ending fibers, runtime errors and declared failures as recorded. Must not
 * know what a wait is for (the part that suspended the fiber does).
 */
final class Fibers {
    private static final int MAX_ERRORS_KEPT = Core.MAX_ERRORS_KEPT;
    private final Core core;

    Fibers(Core core) {
        this.core = core;
    }

    void exec(Fiber f, int pc) {
        interpret(f, pc, false, null);
    }

    private void resume(Fiber f, Object value) {
        interpret(f, f.pc, true, value);
    }

    /** The interpreter loop: runs a fiber until it suspends, returns or fails; failures unwind through its frames. */
    void interpret(Fiber f, int pc, boolean resuming, Object value) {
        Instr[] code = f.body.code;
        long steps = 0;
        boolean resumeFirst = resuming;
        while (true) {
            try {
                if (resumeFirst) {
                    resumeFirst = false;
                    pc = code[pc].resume(f, pc, value);
                }
                while (pc >= 0 && pc < code.length) {
                    f.pc = pc;
                    if (++steps > Core.MAX_STEPS) {
                        throw new ValueError("ran " + String.format(java.util.Locale.ROOT, "%,d", Core.MAX_STEPS) + " steps without waiting"
                                + " (a loop that does not end?): a handler, or a workflow between two waits, may take at most that many,"
                                + " so that one cannot stall every other");
                    }
                    pc = code[pc].exec(f, pc);
                }
                break;
            } catch (RuntimeException e) {
                steps = 0; // what unwinding runs (compensations, a catch) has a budget of its own
                int next = core.sagas.unwindOrFail(f, e);
                if (next < 0) return;
                pc = next;
            }
        }
        if (pc != Instr.SUSPEND) complete(f);
    }

    /** Marks a fiber suspended at its current instruction, waiting on {@code kind}, and its owner waiting. */
    void suspend(Fiber f, String workflowState, Waits.Kind kind) {
        core.waits.put(f, kind, core.timeline.now);
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = core.instances.all[f.instance];
            inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "WAITING");
        } else if (isMain(f)) {
            Wf w = core.workflows.all.get(f.workflow);
            w.status = Lifecycle.WORKFLOW.move(w.status, workflowState);
        }
    }

    /** True for a workflow's own fiber (not one of its Fork branches). */
    boolean isMain(Fiber f) {
        if (f.owner != Fiber.Owner.WORKFLOW || f.branch >= 0) return false;
        Wf w = core.workflows.all.get(f.workflow);
        return w != null && w.fiber == f;
    }

    /** Ends fiber {@code fiberId}'s wait with {@code value} (a reply, None for a timer) if it still waits with {@code token}. */
    void wake(long fiberId, long token, Object value) {
        Calls calls = core.calls;
        if (fiberId < 0) {
            // the reply to a call from outside
            Calls.Pending p = calls.pending.get(fiberId);
            if (p == null || p.token() != token) return;
            calls.pending.remove(fiberId);
            calls.outsideReplies.put(fiberId, value);
            return;
        }
        Fiber f = core.waits.waiting(fiberId, token);
        if (f == null) return;
        if (calls.retriesFailure(f, token, value)) return;
        core.waits.remove(fiberId);
        calls.pending.remove(fiberId);
        core.deadlocks.ended(fiberId);
        f.waitToken = 0;
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = core.instances.all[f.instance];
            inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "RUNNING");
        } else if (isMain(f)) {
            Wf w = core.workflows.all.get(f.workflow);
            w.status = Lifecycle.WORKFLOW.move(w.status, "RUNNING");
            w.timedWait = false;
        }
        if (f.rerun || f.pc < 0) {
            f.rerun = false;
            if (f.pc < 0) f.pc = 0;
            exec(f, f.pc);
            return;
        }
        resume(f, value);
    }

    /** Suspends {@code f} for {@code delay}, to run again from its pc (a retry after a backoff). */
    void retryLater(Fiber f, java.time.Duration delay) {
        long token = core.timeline.token();
        f.waitToken = token;
        f.rerun = true;
        suspend(f, "SLEEPING", Waits.Kind.RETRY);
        core.schedule(core.timeline.now + Timeline.periodMs(delay), Task.WAKE, -1, f.id, token, null);
    }

    private void complete(Fiber f) {
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = core.instances.all[f.instance];
            // only a call's handler has an entry (put when it began): an event's or a tick's needs no lookup
            if (inst.current != f || inst.currentMsg == null || inst.currentMsg.kind() == Msg.CALL) {
                core.calls.answered(inst, f.id, f.result == null ? None.NONE : f.result);
            }
            core.instances.endHandler(inst);
        } else if (f.branch >= 0) {
            core.joins.branchDone(f, true, f.result == null ? None.NONE : f.result);
        } else if (f.owner == Fiber.Owner.WORKFLOW) {
            core.workflows.completed(f);
        }
    }

    void fail(Fiber f, Span span, RuntimeException e) {
        String owner = f.owner == Fiber.Owner.INSTANCE ? core.instances.all[f.instance].name : f.owner == Fiber.Owner.WORKFLOW ? "workflow " + f.workflow : "load";
        if (!f.cancelling) recordError(f, span, owner, e);
        rollback(f);
        if (f.owner == Fiber.Owner.INSTANCE) {
            Inst inst = core.instances.all[f.instance];
            core.stats.handlerFailures++;
            core.calls.answered(inst, f.id, new CallFailure(message(e)));
            core.instances.endHandler(inst);
        } else if (f.branch >= 0) {
            core.joins.branchDone(f, false, message(e));
        } else if (f.owner == Fiber.Owner.WORKFLOW) {
            core.workflows.failed(f, message(e));
        }
    }

    /** Puts a handler's instance state and the globals it wrote back as they were when it began. */
    void rollback(Fiber f) {
        if (f.owner == Fiber.Owner.INSTANCE && f.rollbackState != null) {
            if (f.undo != null) {
                for (Object v : f.rollbackState) if (v instanceof StateMap m) m.undo(f.undo);
                f.undo = null;
            }
            Object[] state = core.instances.all[f.instance].state;
            System.arraycopy(f.rollbackState, 0, state, 0, state.length);
        }
        if (f.owner == Fiber.Owner.INSTANCE && f.rollbackGlobals != null) f.rollbackGlobals.forEach(core.store::put);
    }

    static String message(RuntimeException e) {
        if (e instanceof ValueError) return e.getMessage();
        return "internal error (" + e + ")";
    }

    /** Counts and records a runtime error or declared failure at {@code span}, in {@code owner}. */
    void recordError(Fiber f, Span span, String owner, RuntimeException e) {
        boolean declared = e instanceof dev.baton.runtime.plan.Failure;
        if (declared) core.stats.failures++;
        else core.stats.errors++;
        SourceFile file = core.plan.file;
        core.outlet.recorded(new Core.RunError(file.name() + ":" + file.line(span.start()) + ":" + file.column(span.start()), owner, message(e),
                core.timeline.now), declared);
    }

    /** The run's own record of an error or failure: told to the listener, kept while there is room. */
    void keep(Core.RunError r, boolean declared) {
        if (core.errorListener != null) core.errorListener.recorded(core.stats.failures + core.stats.errors, r, declared);
        java.util.List<Core.RunError> list = declared ? core.failures : core.errors;
        if (list.size() < MAX_ERRORS_KEPT) list.add(r);
    }

    /** A fiber's position for people: {@code file:line:col (what it does there)}. */
    String position(Fiber f) {
        Instr in = f.body.code[Math.max(0, Math.min(f.pc, f.body.code.length - 1))];
        SourceFile file = core.plan.file;
        return file.name() + ":" + file.line(in.span.start()) + ":" + file.column(in.span.start()) + " (" + in.describe() + ")";
    }
}
