/**
 * The compiler from a checked program to a {@link dev.baton.runtime.plan.Plan}: expressions to
 * evaluators, statements to instructions, built-in functions, places (assignable state paths),
 * and the analyses the engines use (which modules may live on the state store, which workflows
 * are self-contained, which modules partition).
 *
 * <p>Must not live here: anything that runs a program (the core does) or depends on an engine.
 * Not API.
 */
package dev.baton.runtime.internal.compile;
