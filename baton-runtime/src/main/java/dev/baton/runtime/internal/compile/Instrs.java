package dev.baton.runtime.internal.compile;

import dev.baton.lang.Span;
import dev.baton.lang.ast.Stmt;
import dev.baton.lang.types.Type;
import dev.baton.runtime.plan.Context;
import dev.baton.runtime.plan.Ev;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.plan.Instr;
import dev.baton.runtime.plan.LockFrame;
import dev.baton.runtime.plan.SagaFrame;
import dev.baton.runtime.value.Conform;
import dev.baton.runtime.value.None;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;
import org.pcollections.PSortedMap;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The instruction set. Each instruction is one statement (or one step of a loop). */
final class Instrs {
    private Instrs() {
    }

    /** {@code Fail "reason"} and failed calls: fails the handler or workflow. */
    static final class FailError extends dev.baton.runtime.plan.Failure {
        FailError(String message) {
            super(message);
        }
    }

    /** The innermost saga the fiber is in, or null. */
    static SagaFrame innermostSaga(Fiber f) {
        for (int i = f.frames.size() - 1; i >= 0; i--) {
            if (f.frames.get(i) instanceof SagaFrame s) return s;
        }
        return null;
    }

    /** How a suspended instruction ends: a failure becomes this fiber's failure, a value goes to the binding. */
    static int bindOrFail(Fiber f, int next, Object value, Place binding, String failurePrefix) {
        if (value instanceof dev.baton.runtime.plan.CallFailure failure) throw new FailError(failurePrefix + failure.message());
        if (binding != null) binding.set(f, value);
        return next;
    }

    static final class Eval extends Instr {
        final Ev ev;

        Eval(Span span, Ev ev) {
            super(span);
            this.ev = ev;
        }

        @Override
        public int exec(Fiber f, int pc) {
            ev.eval(f);
            return pc + 1;
        }
    }

    static final class SetLocal extends Instr {
        final int slot;
        final Ev ev;

        SetLocal(Span span, int slot, Ev ev) {
            super(span);
            this.slot = slot;
            this.ev = ev;
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.locals[slot] = ev.eval(f);
            return pc + 1;
        }
    }

    /** {@code $x += e} on a plain state slot: the hot path of ON handlers, without a Place. */
    static final class AddState extends Instr {
        final int slot;
        final Ev ev;
        final boolean subtract;

        AddState(Span span, int slot, Ev ev, boolean subtract) {
            super(span);
            this.slot = slot;
            this.ev = ev;
            this.subtract = subtract;
        }

        @Override
        public int exec(Fiber f, int pc) {
            Object v = ev.eval(f);
            Object[] state = Place.stateForWrite(f);
            Object cur = state[slot];
            if (cur instanceof Long a && v instanceof Long b) {
                long r = subtract ? a - b : a + b;
                if (((a ^ r) & ((subtract ? ~b : b) ^ r)) < 0) throw new ValueError("integer overflow");
                state[slot] = r;
            } else {
                state[slot] = subtract ? Values.sub(cur, v) : Values.add(cur, v);
            }
            return pc + 1;
        }
    }

    static final class Assign extends Instr {
        final Place place;
        final Stmt.AssignOp op;
        final Ev value;
        final Ev min;
        final Ev max;

        Assign(Span span, Place place, Stmt.AssignOp op, Ev value, Ev min, Ev max) {
            super(span);
            this.place = place;
            this.op = op;
            this.value = value;
            this.min = min;
            this.max = max;
        }

        @Override
        public int exec(Fiber f, int pc) {
            Object v = value.eval(f);
            Object lo = min == null ? null : min.eval(f);
            Object hi = max == null ? null : max.eval(f);
            if (op == Stmt.AssignOp.SET && lo == null && hi == null) {
                place.set(f, v);
                return pc + 1;
            }
            place.update(f, old -> {
                Object r = switch (op) {
                    case SET -> v;
                    case ADD -> old instanceof PVector<?> l ? Values.list(l).plus(v) : Values.add(old, v);
                    case SUB -> Values.sub(old, v);
                    case MUL -> Values.mul(old, v);
                    case DIV -> Values.div(old, v);
                };
                return lo == null && hi == null ? r : Values.clamp(r, lo, hi);
            });
            return pc + 1;
        }

        @Override
        public String describe() {
            return place.text + " " + op.symbol();
        }
    }

    static final class Jump extends Instr {
        int target;

        Jump(Span span, int target) {
            super(span);
            this.target = target;
        }

        @Override
        public int exec(Fiber f, int pc) {
            return target;
        }
    }

    static final class JumpIfFalse extends Instr {
        final Ev cond;
        int target;

        JumpIfFalse(Span span, Ev cond) {
            super(span);
            this.cond = cond;
        }

        @Override
        public int exec(Fiber f, int pc) {
            return Values.truthy(cond.eval(f)) ? pc + 1 : target;
        }
    }

    static final class Return extends Instr {
        final Ev value;

        Return(Span span, Ev value) {
            super(span);
            this.value = value;
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.result = value == null ? None.NONE : value.eval(f);
            return DONE;
        }
    }

    static final class Fail extends Instr {
        final Ev reason;

        Fail(Span span, Ev reason) {
            super(span);
            this.reason = reason;
        }

        @Override
        public int exec(Fiber f, int pc) {
            throw new FailError(Values.str(reason.eval(f)));
        }
    }

    /** Starts a {@code for}: evaluates the iterable once into a hidden slot. */
    static final class ForInit extends Instr {
        final int listSlot;
        final int indexSlot;
        final Ev iterable;

        ForInit(Span span, int listSlot, int indexSlot, Ev iterable) {
            super(span);
            this.listSlot = listSlot;
            this.indexSlot = indexSlot;
            this.iterable = iterable;
        }

        @Override
        public int exec(Fiber f, int pc) {
            Object it = iterable.eval(f);
            if (it instanceof PSortedMap<?, ?> m) it = TreePVector.<Object>from(new ArrayList<>(Values.map(m).keySet()));
            f.locals[listSlot] = Values.list(it);
            f.locals[indexSlot] = 0L;
            return pc + 1;
        }
    }

    static final class ForNext extends Instr {
        final int listSlot;
        final int indexSlot;
        final int varSlot;
        final Ev max;
        int exit;

        @Override
        public int loopExit() {
            return exit;
        }

        @Override
        public int[] loopSlots() {
            return new int[] {listSlot, indexSlot};
        }

        ForNext(Span span, int listSlot, int indexSlot, int varSlot, Ev max) {
            super(span);
            this.listSlot = listSlot;
            this.indexSlot = indexSlot;
            this.varSlot = varSlot;
            this.max = max;
        }

        @Override
        public int exec(Fiber f, int pc) {
            PVector<Object> list = Values.list(f.locals[listSlot]);
            long i = (Long) f.locals[indexSlot];
            if (i >= list.size()) return exit;
            if (max != null && i >= Values.asLong(max.eval(f))) {
                throw new ValueError("for loop exceeded its bound [max: " + Values.asLong(max.eval(f)) + "]");
            }
            f.locals[varSlot] = list.get((int) i);
            f.locals[indexSlot] = i + 1;
            return pc + 1;
        }
    }

    /** The test of a {@code while}, counting iterations against its bound. */
    static final class WhileTest extends Instr {
        final Ev cond;
        final int counterSlot;
        final Ev max;
        int exit;

        @Override
        public int loopExit() {
            return exit;
        }

        @Override
        public int[] loopSlots() {
            return new int[] {counterSlot};
        }

        WhileTest(Span span, Ev cond, int counterSlot, Ev max) {
            super(span);
            this.cond = cond;
            this.counterSlot = counterSlot;
            this.max = max;
        }

        @Override
        public int exec(Fiber f, int pc) {
            if (!Values.truthy(cond.eval(f))) return exit;
            long n = f.locals[counterSlot] instanceof Long l ? l + 1 : 1;
            long bound = max == null ? 10_000_000 : Values.asLong(max.eval(f));
            if (n > bound) {
                throw new ValueError("while loop exceeded its bound of " + bound + " iterations"
                        + (max == null ? " (the default for a loop without [max: N])" : ""));
            }
            f.locals[counterSlot] = n;
            return pc + 1;
        }
    }

    static final class ResetCounter extends Instr {
        final int slot;

        ResetCounter(Span span, int slot) {
            super(span);
            this.slot = slot;
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.locals[slot] = 0L;
            return pc + 1;
        }
    }

    static final class Call extends Instr {
        @Override
        public boolean mayWait() {
            return true;
        }

        final int module;
        final String target;
        final Ev instance;
        final int endpoint;
        final Ev args;
        final Ev timeout;
        final Ev retry;
        final Ev backoff;
        final Ev key;
        final Place binding;
        /** {@code [retry_on: failure]}: a failure of the callee is retried too, not only a lost message. */
        final boolean retryFailures;
        /** Built once: a call's reply passes through {@link #bindOrFail} on every resume. */
        private final String failurePrefix;

        Call(Span span, int module, String target, Ev instance, int endpoint, Ev args, Ev timeout, Ev retry, Ev backoff, Ev key,
             Place binding, boolean retryFailures) {
            super(span);
            this.retryFailures = retryFailures;
            this.module = module;
            this.target = target;
            this.failurePrefix = "Call " + target + " failed: ";
            this.instance = instance;
            this.endpoint = endpoint;
            this.args = args;
            this.timeout = timeout;
            this.retry = retry;
            this.backoff = backoff;
            this.key = key;
            this.binding = binding;
        }

        @Override
        public int exec(Fiber f, int pc) {
            Object k = instance == null ? None.NONE : instance.eval(f);
            Object a = args == null ? Values.EMPTY_MAP : args.eval(f);
            Object k2 = key == null ? null : key.eval(f);
            SagaFrame saga = innermostSaga(f);
            if (saga != null && k2 == null) {
                // deterministic per (saga, step, block, call): a retried block re-sends the same keys
                int step = saga.compensating ? saga.completed.get(saga.completed.size() - 1) : saga.current;
                k2 = saga.key + (saga.compensating ? "/c" : "/s") + step + "/" + (f.blockCalls++);
            }
            Context.CallOptions o = new Context.CallOptions(
                    timeout == null ? null : Values.asDuration(timeout.eval(f)),
                    retry == null ? -1 : (int) Values.asLong(retry.eval(f)),
                    backoff == null ? null : Values.asDuration(backoff.eval(f)),
                    k2, saga != null, retryFailures);
            f.ctx.call(f, module, k, endpoint, a, o);
            return SUSPEND;
        }

        @Override
        public int resume(Fiber f, int pc, Object value) {
            return bindOrFail(f, pc + 1, value, binding, failurePrefix);
        }

        @Override
        public String describe() {
            return "Call " + target;
        }
    }

    static final class Start extends Instr {
        final int workflow;
        final Ev args;
        final Ev id;
        final Place binding;

        Start(Span span, int workflow, Ev args, Ev id, Place binding) {
            super(span);
            this.workflow = workflow;
            this.args = args;
            this.id = id;
            this.binding = binding;
        }

        @Override
        public int exec(Fiber f, int pc) {
            String wid = f.ctx.startWorkflow(f, workflow, args == null ? Values.EMPTY_MAP : args.eval(f), id == null ? null : id.eval(f));
            if (binding != null) binding.set(f, wid);
            return pc + 1;
        }
    }

    static final class Emit extends Instr {
        final int event;
        final Ev payload;

        Emit(Span span, int event, Ev payload) {
            super(span);
            this.event = event;
            this.payload = payload;
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.ctx.emit(f, event, payload == null ? Values.EMPTY_MAP : payload.eval(f));
            return pc + 1;
        }
    }

    static final class Sleep extends Instr {
        @Override
        public boolean mayWait() {
            return true;
        }

        final Ev duration;

        Sleep(Span span, Ev duration) {
            super(span);
            this.duration = duration;
        }

        @Override
        public int exec(Fiber f, int pc) {
            Duration d = Values.asDuration(duration.eval(f));
            if (d.isNegative()) throw new ValueError("Sleep of a negative duration " + Values.duration(d));
            f.ctx.sleep(f, d);
            return SUSPEND;
        }

        @Override
        public int resume(Fiber f, int pc, Object value) {
            return pc + 1;
        }
    }

    static final class Await extends Instr implements dev.baton.runtime.plan.EventWait {
        @Override
        public boolean mayWait() {
            return true;
        }

        final int event;
        final Ev where;
        final Ev timeout;
        final Place binding;

        Await(Span span, int event, Ev where, Ev timeout, Place binding) {
            super(span);
            this.event = event;
            this.where = where;
            this.timeout = timeout;
            this.binding = binding;
        }

        @Override
        public Ev where() {
            return where;
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.ctx.await(f, event, where, timeout == null ? null : Values.asDuration(timeout.eval(f)));
            return SUSPEND;
        }

        @Override
        public int resume(Fiber f, int pc, Object value) {
            if (binding != null) binding.set(f, value);
            return pc + 1;
        }
    }

    /** {@code Ask} and {@code Evaluate}: a candidate value must fit the shape and pass every check, or the fallback is used. */
    static final class Guard extends Instr {
        final String provider;
        final Ev input;
        final Type expect;
        final List<String> checkNames;
        final List<Ev> checks;
        final int answerSlot;
        final Ev retries;
        final Ev otherwise;
        final Place binding;

        Guard(Span span, String provider, Ev input, Type expect, List<String> checkNames, List<Ev> checks, int answerSlot,
              Ev retries, Ev otherwise, Place binding) {
            super(span);
            this.provider = provider;
            this.input = input;
            this.expect = expect;
            this.checkNames = checkNames;
            this.checks = checks;
            this.answerSlot = answerSlot;
            this.retries = retries;
            this.otherwise = otherwise;
            this.binding = binding;
        }

        @Override
        public int exec(Fiber f, int pc) {
            Object in = input.eval(f);
            int attempts = provider == null ? 1 : 1 + (retries == null ? 0 : (int) Math.max(0, Values.asLong(retries.eval(f))));
            Object accepted = null;
            List<String> rejected = List.of();
            for (int attempt = 0; attempt < attempts && accepted == null; attempt++) {
                Object candidate = provider == null ? in : f.ctx.decide(f, provider, in, attempt, expect, checkNames, rejected);
                List<String> failed = new ArrayList<>();
                Object coerced = null;
                if (candidate instanceof dev.baton.runtime.DecisionProvider.NoAnswer none) {
                    failed.add("no answer: " + none.why());
                } else {
                    try {
                        coerced = Conform.coerce(expect, candidate);
                    } catch (ValueError bad) {
                        failed.add("shape: " + bad.getMessage());
                    }
                }
                if (coerced != null) {
                    f.locals[answerSlot] = coerced;
                    for (int i = 0; i < checks.size(); i++) {
                        boolean ok;
                        try {
                            ok = Values.truthy(checks.get(i).eval(f));
                        } catch (ValueError e) {
                            ok = false;
                        }
                        if (!ok) failed.add(checkNames.get(i));
                    }
                }
                if (provider != null) f.ctx.countDecision(f, failed.isEmpty(), failed);
                if (failed.isEmpty()) accepted = coerced;
                rejected = failed;
            }
            boolean fallback = accepted == null;
            if (fallback) accepted = otherwise.eval(f);
            if (provider != null) f.ctx.askSettled(f, span, accepted, fallback);
            if (binding != null) binding.set(f, accepted);
            return pc + 1;
        }
    }

    // ================================================================== sagas

    /** Opens a saga; holds its layout (where each step and compensation starts) for the engine's unwinding. */
    static final class SagaBegin extends Instr implements dev.baton.runtime.plan.SagaLayout {
        int[] stepStart;
        int[] compStart;
        boolean[] pivot;
        Ev[] stepRetry;
        Ev[] stepBackoff;
        String[] stepNames;
        Ev retries;
        int exit;
        Place binding;

        SagaBegin(Span span) {
            super(span);
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.frames.add(new SagaFrame(pc, owner(f) + "/saga" + (++f.sagaSerial)));
            return pc + 1;
        }

        @Override
        public int retries(Fiber f, int step, boolean compensating) {
            Ev e = compensating ? retries : stepRetry[step];
            return e == null ? 10 : (int) Math.max(0, Values.asLong(e.eval(f)));
        }

        @Override
        public int stepStart(int step) {
            return stepStart[step];
        }

        @Override
        public boolean declaresRetry(int step) {
            return stepRetry[step] != null;
        }

        @Override
        public java.time.Duration stepBackoff(Fiber f, int step) {
            return stepBackoff == null || stepBackoff[step] == null ? null : Values.asDuration(stepBackoff[step].eval(f));
        }

        @Override
        public int nextCompensation(SagaFrame frame) {
            return Instrs.nextCompensation(frame, this);
        }

        @Override
        public String stepName(int step) {
            return stepNames[step];
        }

        /** Ends a saga (both ways): pops its frame, binds the outcome, returns the pc after it. */
        @Override
        public int finish(Fiber f, String outcome) {
            f.frames.remove(f.frames.size() - 1);
            if (binding != null) binding.set(f, outcome);
            return exit;
        }
    }

    static String owner(Fiber f) {
        if (f.owner == Fiber.Owner.WORKFLOW) return f.workflow + (f.branch >= 0 ? "#" + f.parent + "." + f.branch : "");
        return "i" + f.instance + "f" + f.id;
    }

    static final class StepBegin extends Instr {
        final int step;
        final boolean pivot;

        StepBegin(Span span, int step, boolean pivot) {
            super(span);
            this.step = step;
            this.pivot = pivot;
        }

        @Override
        public int exec(Fiber f, int pc) {
            SagaFrame s = (SagaFrame) f.frames.get(f.frames.size() - 1);
            if (s.current != step) s.attempts = 0;
            s.current = step;
            // entering the pivot is the commitment: from here the saga only moves forward
            if (pivot) s.pivotPassed = true;
            f.blockCalls = 0;
            return pc + 1;
        }
    }

    static final class StepEnd extends Instr {
        final int step;
        final boolean pivot;

        StepEnd(Span span, int step, boolean pivot) {
            super(span);
            this.step = step;
            this.pivot = pivot;
        }

        @Override
        public int exec(Fiber f, int pc) {
            SagaFrame s = (SagaFrame) f.frames.get(f.frames.size() - 1);
            s.completed.add(step);
            s.attempts = 0;
            if (pivot) s.pivotPassed = true;
            return pc + 1;
        }
    }

    /** After the last step: the saga completed. */
    static final class SagaEnd extends Instr {
        final SagaBegin begin;

        SagaEnd(Span span, SagaBegin begin) {
            super(span);
            this.begin = begin;
        }

        @Override
        public int exec(Fiber f, int pc) {
            int next = begin.finish(f, "completed");
            if (f.cancelDeferred && innermostSaga(f) == null) {
                // a cancellation that arrived after the pivot: the saga has now finished forward
                f.cancelDeferred = false;
                f.cancelling = true;
                f.noCompensate = !f.cancelDeferredCompensate;
                throw new dev.baton.runtime.plan.Cancelled("cancelled (after its saga completed past the pivot)");
            }
            return next;
        }
    }

    /** End of one compensation block: on to the next completed step's, or the saga is compensated. */
    static final class CompEnd extends Instr {
        final SagaBegin begin;

        CompEnd(Span span, SagaBegin begin) {
            super(span);
            this.begin = begin;
        }

        @Override
        public int exec(Fiber f, int pc) {
            SagaFrame s = (SagaFrame) f.frames.get(f.frames.size() - 1);
            s.completed.remove(s.completed.size() - 1);
            s.attempts = 0;
            int next = nextCompensation(s, begin);
            if (next >= 0) {
                f.blockCalls = 0;
                return next;
            }
            if (f.cancelling) {
                f.frames.remove(f.frames.size() - 1);
                throw new dev.baton.runtime.plan.Cancelled(s.failure);
            }
            return begin.finish(f, "compensated");
        }
    }

    /** The pc of the next compensation to run (completed steps without one are skipped), or -1. */
    static int nextCompensation(SagaFrame s, SagaBegin begin) {
        while (!s.completed.isEmpty()) {
            int step = s.completed.get(s.completed.size() - 1);
            if (begin.compStart[step] >= 0) return begin.compStart[step];
            s.completed.remove(s.completed.size() - 1);
        }
        return -1;
    }

    // ================================================================== locks

    static final class LockAcquire extends Instr {
        @Override
        public boolean mayWait() {
            return true;
        }

        final Ev[] keys;
        final Ev lease;
        final Ev wait;
        final Place binding;

        LockAcquire(Span span, Ev[] keys, Ev lease, Ev wait, Place binding) {
            super(span);
            this.keys = keys;
            this.lease = lease;
            this.wait = wait;
            this.binding = binding;
        }

        @Override
        public int exec(Fiber f, int pc) {
            java.util.TreeSet<String> ks = new java.util.TreeSet<>();
            for (Ev k : keys) ks.add(Values.str(k.eval(f)));
            Duration l = lease == null ? Duration.ofSeconds(30) : Values.asDuration(lease.eval(f));
            Duration w = wait == null ? null : Values.asDuration(wait.eval(f));
            long token = f.ctx.acquire(f, new ArrayList<>(ks), l, w);
            if (token < 0) return SUSPEND;
            if (binding != null) binding.set(f, token);
            return pc + 1;
        }

        @Override
        public int resume(Fiber f, int pc, Object value) {
            return bindOrFail(f, pc + 1, value, binding, "");
        }
    }

    static final class LockRelease extends Instr {
        LockRelease(Span span) {
            super(span);
        }

        @Override
        public int exec(Fiber f, int pc) {
            LockFrame frame = (LockFrame) f.frames.remove(f.frames.size() - 1);
            f.ctx.release(f, frame);
            return pc + 1;
        }
    }

    // ================================================================== child workflows, cancellation

    static final class RunChild extends Instr {
        @Override
        public boolean mayWait() {
            return true;
        }

        final int workflow;
        final Ev args;
        final Ev id;
        final Place binding;
        final String name;
        private final String failurePrefix;

        RunChild(Span span, int workflow, String name, Ev args, Ev id, Place binding) {
            super(span);
            this.workflow = workflow;
            this.name = name;
            this.failurePrefix = "Run " + name + ": ";
            this.args = args;
            this.id = id;
            this.binding = binding;
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.ctx.runChild(f, workflow, args == null ? Values.EMPTY_MAP : args.eval(f), id == null ? null : id.eval(f));
            return SUSPEND;
        }

        @Override
        public int resume(Fiber f, int pc, Object value) {
            return bindOrFail(f, pc + 1, value, binding, failurePrefix);
        }

        @Override
        public String describe() {
            return "Run " + name;
        }
    }

    static final class CancelWorkflow extends Instr {
        final Ev id;

        CancelWorkflow(Span span, Ev id) {
            super(span);
            this.id = id;
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.ctx.cancelWorkflow(f, Values.str(id.eval(f)));
            return pc + 1;
        }
    }

    // ================================================================== fork / join

    static final class ForkStart extends Instr {
        @Override
        public boolean mayWait() {
            return true;
        }

        int[] starts;
        Ev items;
        int itemSlot = -1;
        Ev max;
        int joinKind;
        Ev joinCount;
        String onFailure;
        Ev share;
        int exit;
        Place binding;

        ForkStart(Span span) {
            super(span);
        }

        @Override
        public int exec(Fiber f, int pc) {
            List<Object> list = null;
            if (items != null) {
                list = new ArrayList<>(Values.list(items.eval(f)));
                if (max != null && list.size() > Values.asLong(max.eval(f))) {
                    throw new ValueError("Fork over " + list.size() + " items exceeds its fan-out budget [max: " + Values.asLong(max.eval(f)) + "]");
                }
            }
            int count = joinCount == null ? -1 : (int) Values.asLong(joinCount.eval(f));
            f.ctx.fork(f, starts, list, itemSlot, joinKind, count, onFailure, share == null ? null : Values.str(share.eval(f)));
            return SUSPEND;
        }

        @Override
        public int resume(Fiber f, int pc, Object value) {
            return bindOrFail(f, exit, value, binding, "");
        }

        @Override
        public String describe() {
            return "Join";
        }
    }

    /** {@code Join (name) [timeout: d] -> results}: the results of the fork another workflow shares under that name. */
    static final class JoinShared extends Instr {
        @Override
        public boolean mayWait() {
            return true;
        }

        final Ev name;
        final Ev timeout;
        final Place binding;

        JoinShared(Span span, Ev name, Ev timeout, Place binding) {
            super(span);
            this.name = name;
            this.timeout = timeout;
            this.binding = binding;
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.ctx.joinShared(f, Values.str(name.eval(f)), timeout == null ? null : Values.asDuration(timeout.eval(f)));
            return SUSPEND;
        }

        @Override
        public int resume(Fiber f, int pc, Object value) {
            return bindOrFail(f, pc + 1, value, binding, "");
        }

        @Override
        public String describe() {
            return "Join (shared fork)";
        }
    }

    /** The end of a branch's code: the branch is done (without a result). */
    static final class BranchEnd extends Instr {
        BranchEnd(Span span) {
            super(span);
        }

        @Override
        public int exec(Fiber f, int pc) {
            f.result = None.NONE;
            return DONE;
        }
    }
}
