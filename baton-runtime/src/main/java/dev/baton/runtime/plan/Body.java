package dev.baton.runtime.plan;

import dev.baton.lang.SourceFile;

/**
 * The code of one handler, endpoint, workflow or load generator: a flat instruction array
 * (loops and branches are jumps) and the number of local slots it needs. A fiber running it
 * is just (body id, pc, locals), which is what makes suspended fibers cheap and snapshots
 * plain data.
 */
public final class Body {
    public final int id;
    public final String name;
    public final SourceFile file;
    public Instr[] code;
    public int locals;
    /** Each local slot's name ({@code let x}, a parameter, a loop variable), or null for a slot of the engine's own (a loop's list and counter). */
    public final java.util.List<String> slotNames = new java.util.ArrayList<>();

    /** 1 when some instruction may suspend, -1 when none does, 0 not worked out yet. */
    private byte waits;

    /** True when a fiber running this body may suspend (a {@code Call}, {@code Sleep}, …); else it always runs to its end. */
    public boolean mayWait() {
        if (waits == 0) {
            boolean any = false;
            for (Instr in : code) any |= in.mayWait();
            waits = (byte) (any ? 1 : -1);
        }
        return waits > 0;
    }

    public Body(int id, String name, SourceFile file) {
        this.id = id;
        this.name = name;
        this.file = file;
    }
}
