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
}
