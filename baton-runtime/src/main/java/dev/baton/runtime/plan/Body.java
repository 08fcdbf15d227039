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

    public Body(int id, String name, SourceFile file) {
        this.id = id;
        this.name = name;
        this.file = file;
    }
}
