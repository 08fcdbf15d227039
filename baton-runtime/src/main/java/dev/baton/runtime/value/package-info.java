/**
 * Baton values at run time: persistent maps and lists, numbers, {@code none}, the state maps
 * updated in place by hot handlers, conformance to shapes, and the errors values raise.
 *
 * <p>Must not live here: anything with identity beyond its value, or mutable state visible to
 * two readers (a {@link dev.baton.runtime.value.StateMap} is frozen before it escapes).
 */
package dev.baton.runtime.value;
