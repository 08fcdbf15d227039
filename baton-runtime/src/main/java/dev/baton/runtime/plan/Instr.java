package dev.baton.runtime.plan;

import dev.baton.lang.Span;

/**
 * One statement-level instruction of a {@link Body}. {@link #exec} returns the next program
 * counter, {@link #SUSPEND} (the fiber waits; its pc stays on this instruction, and
 * {@link #resume} finishes it later) or {@link #DONE}.
 */
public abstract class Instr {
    public static final int SUSPEND = -1;
    public static final int DONE = -2;

    public final Span span;

    protected Instr(Span span) {
        this.span = span;
    }

    public abstract int exec(Fiber f, int pc);

    /** Completes a suspended instruction with the value it waited for; returns the next pc. */
    public int resume(Fiber f, int pc, Object value) {
        throw new IllegalStateException(getClass().getSimpleName() + " does not suspend");
    }

    /** True when this instruction may suspend its fiber ({@link #SUSPEND}); a body without one runs to its end in one go. */
    public boolean mayWait() {
        return false;
    }

    /** For the head of a loop ({@code for}, {@code while}): the pc after it, so the loop is {@code [this pc, loopExit)}; else -1. */
    public int loopExit() {
        return -1;
    }

    /**
     * For the head of a loop: the local slots that hold its hidden state (a {@code for}'s list and
     * position, a {@code while}'s iteration count), in an order that is the same for every loop of
     * its kind — what a fiber waiting inside the loop carries when it moves to a new version.
     */
    public int[] loopSlots() {
        return new int[0];
    }

    /** What a trace or {@code baton history} shows for this instruction. */
    public String describe() {
        return getClass().getSimpleName();
    }
}
