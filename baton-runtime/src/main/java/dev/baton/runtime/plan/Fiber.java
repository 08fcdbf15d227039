package dev.baton.runtime.plan;

/**
 * A running or suspended piece of Baton code: plain data, snapshotted as (body, pc, locals,
 * payload, owner). No thread belongs to a fiber; a suspended one costs only its locals.
 */
public final class Fiber {
    /** What a fiber belongs to: an instance handler or a workflow. */
    public enum Owner { INSTANCE, WORKFLOW, LOAD }

    public final long id;
    public final Body body;
    public final Object[] locals;
    public Object payload;
    public int pc;
    public final Owner owner;
    /** Index of the owning instance (for INSTANCE), else -1. */
    public final int instance;
    /** Id of the owning workflow (for WORKFLOW), else null. */
    public final String workflow;
    /** The context the interpreter runs in (engine services); not part of a snapshot. */
    public transient Context ctx;
    /** Value of the executed {@code return}. */
    public Object result;
    /** Token of the wait this fiber is suspended in (a reply or timer must carry it). */
    public long waitToken;
    /** Saved instance state for rollback when the handler fails. */
    public Object[] rollbackState;
    /**
     * Undo log of in-place changes to state maps ({@link dev.baton.runtime.value.StateMap}):
     * (map, key, old value or null) triples, newest last; null while there are none.
     */
    public java.util.ArrayList<Object> undo;
    /** Global values before this invocation's first write to them, for rollback. */
    public java.util.Map<String, Object> rollbackGlobals;
    /** Per-call sequence for idempotency keys (instance/workflow, step). */
    public long callSeq;
    /** Sagas and locks this fiber is inside, innermost last. */
    public final java.util.ArrayList<Object> frames = new java.util.ArrayList<>();
    /** For a Fork branch: the parent fiber's id and the branch's index; otherwise 0 and -1. */
    public long parent;
    public int branch = -1;
    /** Calls made in the current saga block (keys are derived from it). */
    public long blockCalls;
    /** Sagas started by this fiber (saga keys are derived from it). */
    public long sagaSerial;
    /** Being cancelled: unwinding, compensating if {@code noCompensate} is false. */
    public boolean cancelling;
    public boolean noCompensate;
    /** On the next wake, execute from {@code pc} instead of resuming the instruction there (a retry). */
    public boolean rerun;
    /** A cancellation that arrived after a saga's pivot: it takes effect when that saga completes. */
    public boolean cancelDeferred;
    public boolean cancelDeferredCompensate;

    public Fiber(long id, Body body, Owner owner, int instance, String workflow) {
        this.id = id;
        this.body = body;
        this.locals = new Object[body.locals];
        this.owner = owner;
        this.instance = instance;
        this.workflow = workflow;
    }

    /** A rollback array and an undo log left by the last run of a reused fiber (see {@link #reuse}), taken by the next. */
    private Object[] spareState;
    private java.util.ArrayList<Object> spareUndo;

    /**
     * Makes this fiber ready to run its body again from the start with {@code payload}: for a
     * handler whose body never waits ({@link Body#mayWait()}), which an instance runs in one fiber
     * kept for it instead of a new one per message (the fiber of a finished run is not referred to
     * by anything). Its rollback array and undo log are kept for the next run.
     */
    public void reuse(Object payload) {
        java.util.Arrays.fill(locals, null);
        this.payload = payload;
        pc = 0;
        result = null;
        waitToken = 0;
        if (rollbackState != null) {
            spareState = rollbackState;
            rollbackState = null;
        }
        if (undo != null) {
            undo.clear();
            spareUndo = undo;
            undo = null;
        }
        rollbackGlobals = null;
        callSeq = 0;
        blockCalls = 0;
        sagaSerial = 0;
        cancelling = false;
        noCompensate = false;
        rerun = false;
        cancelDeferred = false;
        cancelDeferredCompensate = false;
    }

    /** A copy of {@code state} for rollback (in the spare array of an earlier run when it fits). */
    public Object[] copyForRollback(Object[] state) {
        Object[] copy = spareState;
        if (copy != null && copy.length == state.length) {
            spareState = null;
            System.arraycopy(state, 0, copy, 0, state.length);
            return copy;
        }
        return state.clone();
    }

    /** An empty undo log (the spare of an earlier run when there is one). */
    public java.util.ArrayList<Object> newUndoLog() {
        java.util.ArrayList<Object> log = spareUndo;
        if (log != null) {
            spareUndo = null;
            return log;
        }
        return new java.util.ArrayList<>();
    }
}
