package dev.baton.runtime.plan;

import java.util.ArrayList;
import java.util.List;

/** A saga in progress on a fiber's frame stack. Plain data (snapshotted). */
public final class SagaFrame {
    /** pc of the saga's SagaBegin instruction (which holds the saga's layout). */
    public final int beginPc;
    /** Prefix of the idempotency keys of the calls this saga makes. */
    public final String key;
    /** Steps completed so far, in order; compensation pops from the end. */
    public final List<Integer> completed = new ArrayList<>();
    public int current;
    public boolean compensating;
    public boolean pivotPassed;
    public int attempts;
    public String failure;

    public SagaFrame(int beginPc, String key) {
        this.beginPc = beginPc;
        this.key = key;
    }
}
