/**
 * What a compiled program is, shared by every engine: the {@link dev.baton.runtime.plan.Plan}
 * (modules, handlers, workflows, loads), its code ({@link dev.baton.runtime.plan.Instr},
 * {@link dev.baton.runtime.plan.Ev}), fibers and their frames, and the
 * {@link dev.baton.runtime.plan.Context} through which running code asks an engine for
 * everything beyond pure computation.
 *
 * <p>Must not live here: an engine, or anything an instruction could use to reach around the
 * context (a clock, randomness, I/O).
 */
package dev.baton.runtime.plan;
